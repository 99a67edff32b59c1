// The engine's version: the package's, kept in code so start-up reads no file
// (a unit test keeps it equal to package.json).
export const ENGINE_VERSION = '0.1.0';
