// Package workflows holds the tests of the GitHub Actions workflows in
// .github/workflows: actionlint, the project's own rules (actions pinned to
// a commit, no expressions in shell scripts, least privilege), and a dry run
// of report.yml's state scripts with bash and git against a bare repository
// (the state restored before a run and committed to the reports branch
// after it).
package workflows
