package sindy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Criterion scores a candidate model in Select; lower is better.
type Criterion int

const (
	// BIC is N·ln(RSS/N) + q·ln N, with N regression rows (over all
	// equations) and q nonzero terms.
	BIC Criterion = iota
	// AIC is N·ln(RSS/N) + 2q.
	AIC
	// AICc is AIC with the small-sample correction 2q(q+1)/(N−q−1).
	AICc
	// HeldOut simulates each validation trajectory from its first state
	// and scores the root-mean-square error relative to the data's RMS; a
	// model that diverges scores +Inf.
	HeldOut
)

func (c Criterion) String() string {
	switch c {
	case BIC:
		return "BIC"
	case AIC:
		return "AIC"
	case AICc:
		return "AICc"
	case HeldOut:
		return "held-out"
	}
	return fmt.Sprintf("Criterion(%d)", int(c))
}

// Selection configures Select.
type Selection struct {
	// Thresholds to try; nil means 40 values spaced logarithmically from
	// 1e-5 to 1 times the largest least-squares coefficient (or from 1e-3
	// to 1 for relative thresholds).
	Thresholds []float64
	Criterion  Criterion
	// Validation trajectories for HeldOut.
	Validation []Trajectory
	// Sim configures the simulations of HeldOut.
	Sim *SimOptions
}

// Candidate is one model tried by Select.
type Candidate struct {
	Threshold float64
	Terms     int
	RSS       float64 // on the regression, summed over the equations
	Score     float64
	Model     *Model
}

// Select fits the model for each threshold and returns the best by the
// criterion together with every candidate. Among near-ties it prefers the
// sparsest model: for HeldOut, any model whose error is within 5% of the
// best or within 1% of the data's RMS; for the information criteria, any
// within 2 of the best score.
//
// Information criteria assume independent residuals. They suit data with
// white noise on the derivatives; weak-form rows overlap, so there BIC
// (which penalises terms most) is the one to use, or HeldOut. The
// optimiser in s must implement Thresholder (STLSQ, SR3 and Ensemble do).
// The regression is built once, so a sweep costs little more than a fit.
func Select(data []Trajectory, s *Settings, sel *Selection) (*Model, []Candidate, error) {
	var sc Selection
	if sel != nil {
		sc = *sel
	}
	set, feats, reg, err := prepare(data, s)
	if err != nil {
		return nil, nil, err
	}
	th, ok := set.Optimizer.(Thresholder)
	if !ok {
		return nil, nil, fmt.Errorf("%w: optimiser %T has no threshold to select", ErrSettings, set.Optimizer)
	}
	if sc.Criterion == HeldOut {
		if len(sc.Validation) == 0 {
			return nil, nil, fmt.Errorf("%w: held-out selection without validation trajectories", ErrSettings)
		}
		if _, err := validate(sc.Validation, 2); err != nil {
			return nil, nil, fmt.Errorf("validation data: %w", err)
		}
		if sc.Validation[0].Dim() != len(set.Names) {
			return nil, nil, fmt.Errorf("%w: validation data has %d states, training data %d", ErrShape, sc.Validation[0].Dim(), len(set.Names))
		}
	} else if sc.Criterion < BIC || sc.Criterion > HeldOut {
		return nil, nil, fmt.Errorf("%w: unknown criterion %v", ErrSettings, sc.Criterion)
	}
	thresholds := sc.Thresholds
	if thresholds == nil {
		hi, lo := 1.0, -3.0
		if st, ok := set.Optimizer.(STLSQ); !ok || !st.Relative {
			lo = -5
			_, p, k := reg.Dims()
			ls := mat.NewDense(k, p, nil)
			if err := (STLSQ{}).Fit(reg, ls); err != nil {
				return nil, nil, err
			}
			hi = 0
			for i := range k {
				for j := range p {
					hi = math.Max(hi, math.Abs(ls.At(i, j)))
				}
			}
		}
		const n = 40
		for i := range n {
			thresholds = append(thresholds, hi*math.Pow(10, lo-lo*float64(i)/(n-1)))
		}
	}
	rows, _, k := reg.Dims()
	N := float64(rows * k)
	var cands []Candidate
	best := -1
	for _, thr := range thresholds {
		set.Optimizer = th.WithThreshold(thr)
		m, err := fitRegression(set, feats, reg)
		if err != nil {
			return nil, nil, fmt.Errorf("threshold %g: %w", thr, err)
		}
		var rss float64
		for _, r := range reg.RSS(m.Coef) {
			rss += r
		}
		q := float64(m.NumTerms())
		c := Candidate{Threshold: thr, Terms: m.NumTerms(), RSS: rss, Model: m}
		ll := N * math.Log(math.Max(rss/N, 1e-300))
		switch sc.Criterion {
		case BIC:
			c.Score = ll + q*math.Log(N)
		case AIC:
			c.Score = ll + 2*q
		case AICc:
			c.Score = ll + 2*q
			if N-q-1 > 0 {
				c.Score += 2 * q * (q + 1) / (N - q - 1)
			} else {
				c.Score = math.Inf(1)
			}
		case HeldOut:
			c.Score = heldOutError(m, sc.Validation, sc.Sim)
		}
		cands = append(cands, c)
		if best < 0 || c.Score < cands[best].Score {
			best = len(cands) - 1
		}
	}
	if best < 0 {
		return nil, nil, fmt.Errorf("%w: no thresholds to try", ErrSettings)
	}
	slack := 2.0
	if sc.Criterion == HeldOut {
		slack = math.Max(0.05*cands[best].Score, 0.01)
	}
	for i, c := range cands {
		if c.Score <= cands[best].Score+slack && c.Terms < cands[best].Terms {
			best = i
		}
	}
	return cands[best].Model, cands, nil
}

// heldOutError is the RMS simulation error over the validation data
// divided by the data's RMS (+Inf when a simulation fails).
func heldOutError(m *Model, val []Trajectory, sim *SimOptions) float64 {
	var se, ss float64
	for _, tr := range val {
		ys, err := m.Simulate(tr.X[0], tr.T, sim)
		if err != nil {
			return math.Inf(1)
		}
		for i, x := range tr.X {
			for j, v := range x {
				d := ys[i][j] - v
				se += d * d
				ss += v * v
			}
		}
	}
	return math.Sqrt(se / math.Max(ss, 1e-300))
}
