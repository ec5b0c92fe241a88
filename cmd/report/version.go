package main

import (
	"runtime/debug"
	"strings"
)

// version says which build this is, for -version and the first line of a
// run's log: the module version when built from a tagged module (go
// install …@v1.2.3), else the VCS revision Go stamped into the binary
// (go build in a git checkout), with its commit time and "dirty" when the
// tree had changes; then the Go version.
func version(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "kinsta-report (no build information)"
	}
	parts := []string{"kinsta-report"}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		parts = append(parts, v)
	} else {
		var rev, at string
		dirty := false
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				at = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
		switch {
		case rev == "":
			parts = append(parts, "devel (no VCS revision: built outside a git checkout or with -buildvcs=false)")
		default:
			if len(rev) > 12 {
				rev = rev[:12]
			}
			parts = append(parts, "devel", rev)
			if at != "" {
				parts = append(parts, at)
			}
			if dirty {
				parts = append(parts, "dirty")
			}
		}
	}
	if info.GoVersion != "" {
		parts = append(parts, "("+info.GoVersion+")")
	}
	return strings.Join(parts, " ")
}

// buildVersion is version of the running binary.
func buildVersion() string { return version(debug.ReadBuildInfo()) }
