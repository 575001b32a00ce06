package sindy

import "fmt"

// Trajectory is one time series of the states. X[i] is the state at time
// T[i]; T must be strictly increasing and may be non-uniform. DX, when not
// nil, holds precomputed time derivatives (same shape as X) and replaces
// numerical differentiation.
type Trajectory struct {
	T  []float64
	X  [][]float64
	DX [][]float64
}

// Dim returns the number of state variables (0 for an empty trajectory).
func (tr *Trajectory) Dim() int {
	if len(tr.X) == 0 {
		return 0
	}
	return len(tr.X[0])
}

// column copies state j into dst.
func column(rows [][]float64, j int, dst []float64) []float64 {
	dst = dst[:0]
	for _, r := range rows {
		dst = append(dst, r[j])
	}
	return dst
}

// validate checks the trajectories are non-empty, rectangular, finite, with
// strictly increasing times, and returns the state dimension.
func validate(data []Trajectory, minSamples int) (int, error) {
	if len(data) == 0 {
		return 0, ErrNoData
	}
	d := data[0].Dim()
	if d == 0 {
		return 0, fmt.Errorf("%w: trajectory 0 has no states", ErrNoData)
	}
	for k := range data {
		tr := &data[k]
		if len(tr.T) != len(tr.X) {
			return 0, fmt.Errorf("%w: trajectory %d has %d times but %d states", ErrShape, k, len(tr.T), len(tr.X))
		}
		if len(tr.T) < minSamples {
			return 0, fmt.Errorf("%w: trajectory %d has %d samples, need at least %d", ErrTooFewSamples, k, len(tr.T), minSamples)
		}
		if tr.DX != nil && len(tr.DX) != len(tr.X) {
			return 0, fmt.Errorf("%w: trajectory %d has %d derivative rows for %d samples", ErrShape, k, len(tr.DX), len(tr.X))
		}
		for i, x := range tr.X {
			if len(x) != d {
				return 0, fmt.Errorf("%w: trajectory %d sample %d has %d states, want %d", ErrShape, k, i, len(x), d)
			}
			if tr.DX != nil && len(tr.DX[i]) != d {
				return 0, fmt.Errorf("%w: trajectory %d derivative %d has %d values, want %d", ErrShape, k, i, len(tr.DX[i]), d)
			}
			if !finite(tr.T[i]) || !allFinite(x) || (tr.DX != nil && !allFinite(tr.DX[i])) {
				return 0, fmt.Errorf("%w: trajectory %d sample %d (t=%g)", ErrNonFinite, k, i, tr.T[i])
			}
			if i > 0 && !(tr.T[i] > tr.T[i-1]) {
				return 0, fmt.Errorf("%w: trajectory %d sample %d: t=%g after t=%g", ErrTime, k, i, tr.T[i], tr.T[i-1])
			}
		}
	}
	return d, nil
}

// finite reports whether v is neither NaN nor ±Inf (for both, v−v is NaN).
func finite(v float64) bool { return v-v == 0 }

func allFinite(x []float64) bool {
	var s float64
	for _, v := range x {
		s += v - v
	}
	return s == 0
}
