// Package workflows holds the tests of the GitHub Actions workflows in
// .github/workflows: actionlint, and the project's own rules (actions pinned
// to a commit, no expressions in shell scripts, least privilege).
package workflows
