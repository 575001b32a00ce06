package sde

import "math"

// quantiles writes the q-quantiles of x (ascending qs in [0, 1]) into out,
// with linear interpolation between order statistics (numpy's default,
// Hyndman–Fan type 7). x is reordered. It runs in expected linear time.
func quantiles(x []float64, qs, out []float64) {
	n := len(x)
	lo := 0 // x[:lo] holds values ≤ every later order statistic we need
	for k, q := range qs {
		pos := q * float64(n-1)
		i := int(math.Floor(pos))
		if i >= n-1 {
			i = n - 1
		}
		if i < lo {
			i = lo
		}
		selectNth(x[lo:], i-lo)
		v := x[i]
		if frac := pos - float64(i); frac > 0 && i+1 < n {
			nxt := x[i+1]
			for _, w := range x[i+2:] {
				if w < nxt {
					nxt = w
				}
			}
			v += frac * (nxt - v)
		}
		out[k] = v
		lo = i
	}
}

// selectNth reorders x so that x[k] is the k-th smallest, x[:k] ≤ x[k] ≤ x[k+1:].
func selectNth(x []float64, k int) {
	l, r := 0, len(x)-1
	for r > l {
		// median of three pivot
		m := l + (r-l)/2
		if x[m] < x[l] {
			x[m], x[l] = x[l], x[m]
		}
		if x[r] < x[l] {
			x[r], x[l] = x[l], x[r]
		}
		if x[r] < x[m] {
			x[r], x[m] = x[m], x[r]
		}
		p := x[m]
		i, j := l, r
		for i <= j {
			for x[i] < p {
				i++
			}
			for x[j] > p {
				j--
			}
			if i <= j {
				x[i], x[j] = x[j], x[i]
				i++
				j--
			}
		}
		if k <= j {
			r = j
		} else if k >= i {
			l = i
		} else {
			return
		}
	}
}
