package loadtest

import (
	"math"
	"math/bits"
	"time"
)

// subBits sets the histogram's precision: each power of two is split into
// 2^subBits buckets, so a recorded value is known to within 1/256 of
// itself (reported as its bucket's midpoint, off by at most 0.4 %).
const subBits = 7

const (
	subCount   = 1 << subBits
	maxShift   = 40 - subBits // values up to 2^40 ns (about 18 minutes)
	numBuckets = (maxShift + 2) * subCount
	maxValue   = int64(1)<<40 - 1
)

// Histogram records durations in log-linear buckets, as HDR histograms
// do: constant memory whatever the number of samples, percentiles within
// 0.4 %, exact count, minimum, maximum and mean. It is not safe for
// concurrent use; give each worker its own and Merge them.
type Histogram struct {
	counts   [numBuckets]uint64
	n        uint64
	sum      float64
	min, max int64
}

// NewHistogram returns an empty histogram.
func NewHistogram() *Histogram { return &Histogram{min: math.MaxInt64} }

func bucketOf(v int64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - 1 - subBits
	sub := int(v >> shift) // in [subCount, 2*subCount)
	return (shift+1)*subCount + sub - subCount
}

// bucketRange is the smallest and largest value bucket i holds.
func bucketRange(i int) (lo, hi int64) {
	if i < subCount {
		return int64(i), int64(i)
	}
	shift := i/subCount - 1
	sub := int64(i%subCount + subCount)
	return sub << shift, (sub+1)<<shift - 1
}

// Record adds one duration.
func (h *Histogram) Record(d time.Duration) {
	v := int64(d)
	if v < 0 {
		v = 0
	}
	if v > maxValue {
		v = maxValue
	}
	h.counts[bucketOf(v)]++
	h.n++
	h.sum += float64(v)
	h.min = min(h.min, v)
	h.max = max(h.max, v)
}

// Merge adds every sample of o to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.min = min(h.min, o.min)
	h.max = max(h.max, o.max)
}

// Count is the number of recorded samples.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest recorded duration (exact).
func (h *Histogram) Max() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.max)
}

// Mean is the average recorded duration (exact).
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return time.Duration(h.sum / float64(h.n))
}

// Quantile returns the q-quantile (0 < q ≤ 1) by the nearest-rank method:
// the smallest recorded value that at least q of the samples do not
// exceed, as its bucket's midpoint clamped to the recorded range.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = max(1, min(rank, h.n))
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketRange(i)
			mid := lo + (hi-lo)/2
			return time.Duration(max(h.min, min(h.max, mid)))
		}
	}
	return time.Duration(h.max)
}
