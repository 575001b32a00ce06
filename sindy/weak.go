package sindy

import (
	"fmt"
	"math"
)

// WeakForm turns SINDy into its integral (weak) formulation (Messenger &
// Bortz 2021; Reinbold, Gurevich & Grigoriev 2020). Each equation
// x' = Σ ξ_j θ_j(x) is multiplied by test functions φ_k that vanish at both
// ends of a subdomain [a_k, b_k] and integrated by parts:
//
//	−∫ φ_k'(t) x(t) dt = Σ_j ξ_j ∫ φ_k(t) θ_j(x(t)) dt,
//
// so no derivative of the data is needed and integration averages noise
// away. The test functions are φ(t) = C·(t−a)^P·(b−t)^P, normalised to unit
// integral so the regression keeps the scale (and thresholds) of the
// strong form. Integrals use the trapezoidal rule on the samples, which is
// highly accurate because φ and its first P−1 derivatives vanish at the
// subdomain ends.
type WeakForm struct {
	// Subdomains is the number of test functions per trajectory (0 means
	// 1000). Their centres are spread evenly over the trajectory.
	Subdomains int
	// Width is each subdomain's length in time units (0 means a fiftieth
	// of the trajectory's duration).
	Width float64
	// Power is the exponent P of the test function (0 means 4).
	Power int
}

func (w *WeakForm) resolve(duration float64) (K int, width float64, P int, err error) {
	K, width, P = w.Subdomains, w.Width, w.Power
	if K == 0 {
		K = 1000
	}
	if width == 0 {
		width = duration / 50
	}
	if P == 0 {
		P = 4
	}
	if K < 1 || !(width > 0) || P < 1 || P > 16 {
		return 0, 0, 0, fmt.Errorf("%w: weak form with %d subdomains, width %g, power %d", ErrSettings, K, w.Width, P)
	}
	if width > duration {
		width = duration
	}
	return K, width, P, nil
}

// weakRows appends the weak-form rows of one trajectory: for each test
// function, the weighted integrals of the features (theta, n×p row-major)
// and of −φ'·x.
func (w *WeakForm) weakRows(t []float64, X [][]float64, theta []float64, p int, G, B *[]float64) (int, error) {
	n, d := len(t), len(X[0])
	K, width, P, err := w.resolve(t[n-1] - t[0])
	if err != nil {
		return 0, err
	}
	rows := 0
	phi := make([]float64, n)
	dphi := make([]float64, n)
	for k := range K {
		c := t[0] + width/2
		if K > 1 {
			c += float64(k) * (t[n-1] - t[0] - width) / float64(K-1)
		}
		// Snap the subdomain to samples: [t[s], t[e]].
		s := searchFloat(t, c-width/2)
		e := searchFloat(t, c+width/2)
		if e >= n {
			e = n - 1
		}
		if e-s < 2*P+1 {
			return 0, fmt.Errorf("%w: weak-form subdomain [%g, %g] holds %d samples, need at least %d (widen it)",
				ErrTooFewSamples, t[s], t[e], e-s+1, 2*P+2)
		}
		a, b := t[s], t[e]
		// φ = (t−a)^P (b−t)^P, φ' = P (t−a)^(P−1) (b−t)^(P−1) ((b−t) − (t−a)),
		// scaled by the trapezoidal integral of φ.
		var integral float64
		for i := s; i <= e; i++ {
			u, v := t[i]-a, b-t[i]
			up, vp := math.Pow(u, float64(P-1)), math.Pow(v, float64(P-1))
			phi[i] = up * u * vp * v
			dphi[i] = float64(P) * up * vp * (v - u)
		}
		for i := s; i < e; i++ {
			integral += (phi[i] + phi[i+1]) * (t[i+1] - t[i]) / 2
		}
		g := make([]float64, p)
		bb := make([]float64, d)
		for i := s; i <= e; i++ {
			// Trapezoidal weight of sample i within [s, e].
			var wt float64
			if i > s {
				wt += (t[i] - t[i-1]) / 2
			}
			if i < e {
				wt += (t[i+1] - t[i]) / 2
			}
			wp, wd := wt*phi[i]/integral, -wt*dphi[i]/integral
			row := theta[i*p : (i+1)*p]
			for j, v := range row {
				g[j] += wp * v
			}
			for j, v := range X[i] {
				bb[j] += wd * v
			}
		}
		*G = append(*G, g...)
		*B = append(*B, bb...)
		rows++
	}
	return rows, nil
}

// searchFloat returns the index of the sample nearest to v.
func searchFloat(t []float64, v float64) int {
	lo, hi := 0, len(t)-1
	for lo < hi {
		mid := (lo + hi) / 2
		if t[mid] < v {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	if lo > 0 && v-t[lo-1] < t[lo]-v {
		lo--
	}
	return lo
}
