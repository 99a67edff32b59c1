// Field paths: the string helpers live with the Diagnostic type; rules import them here.
export { joinPath, prefixPath, splitPath, type Segments } from '../diagnostics.js';
