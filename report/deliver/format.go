package deliver

import "github.com/kinsta-report/kinsta-report/report"

// formatSize shows a byte count of a file or message.
func formatSize(n int64) string { return report.FormatValue(report.UnitBytes, float64(n)) }
