package chart

import "math"

// xy is one chart point: X is the bucket's index on the period's axis.
type xy struct {
	X, Y float64
}

// lttb downsamples points (sorted by X) to at most threshold points with
// Largest-Triangle-Three-Buckets (Steinarsson, 2013): it keeps the first and
// the last point and, from each of threshold-2 equal buckets in between, the
// point that makes the largest triangle with the point kept before it and
// the average of the next bucket. Peaks and troughs survive, so the line
// keeps its shape. Points are returned unchanged when there are not more
// than threshold of them (or threshold < 3).
func lttb(points []xy, threshold int) []xy {
	n := len(points)
	if threshold >= n || threshold < 3 {
		return points
	}
	out := make([]xy, 0, threshold)
	out = append(out, points[0])
	every := float64(n-2) / float64(threshold-2)
	a := 0 // index of the point kept last
	for i := 0; i < threshold-2; i++ {
		// The average of the next bucket (the last point for the last bucket).
		avgStart := int(math.Floor(float64(i+1)*every)) + 1
		avgEnd := min(int(math.Floor(float64(i+2)*every))+1, n)
		var avgX, avgY float64
		for _, p := range points[avgStart:avgEnd] {
			avgX += p.X
			avgY += p.Y
		}
		cnt := float64(avgEnd - avgStart)
		avgX /= cnt
		avgY /= cnt

		// The point of this bucket with the largest triangle.
		start := int(math.Floor(float64(i)*every)) + 1
		end := int(math.Floor(float64(i+1)*every)) + 1
		pa := points[a]
		best, bestArea := start, -1.0
		for j := start; j < end; j++ {
			p := points[j]
			area := math.Abs((pa.X-avgX)*(p.Y-pa.Y) - (pa.X-p.X)*(avgY-pa.Y))
			if area > bestArea {
				best, bestArea = j, area
			}
		}
		out = append(out, points[best])
		a = best
	}
	return append(out, points[n-1])
}
