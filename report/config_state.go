package report

import (
	"path/filepath"
	"strings"
)

// DefaultStateDir is the state folder when the config has no state key:
// "state" beside the config file.
const DefaultStateDir = "state"

// StateNone is the value of the state key that turns history and the send
// ledger off.
const StateNone = "none"

// state resolves the top-level state key (docs/reference.md, "State:
// history and the send ledger"): a folder relative to the config file's
// folder (or absolute), "state" when absent, "" for none.
func (v *validator) state(raw *string) string {
	dir := DefaultStateDir
	if raw != nil {
		dir = strings.TrimSpace(*raw)
		switch {
		case dir == StateNone:
			return ""
		case dir == "":
			v.errorf("state", "empty (want a folder relative to this file, such as state, or none to keep no history and no send ledger)")
			return ""
		case strings.ContainsRune(dir, 0):
			v.errorf("state", "bad folder %q (want a folder relative to this file, such as state, or none)", *raw)
			return ""
		}
	}
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(filepath.Dir(v.file), dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		v.errorf("state", "cannot resolve %q: %v", dir, err)
		return ""
	}
	return abs
}
