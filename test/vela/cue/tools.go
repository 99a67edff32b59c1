//go:build tools

// Pins cuelang.org/go in go.mod: build-cue.sh builds its cmd/cue.
package tools

import _ "cuelang.org/go/cmd/cue"
