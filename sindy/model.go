package sindy

import (
	"math"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Model is a discovered system x_i' = Σ_j Coef[i, j]·θ_j(t, x).
type Model struct {
	// Names of the state variables.
	Names []string
	// Features are the library's candidate terms.
	Features []Feature
	// Coef (len(Names)×len(Features)) holds the coefficients, one row per
	// equation, as pysindy's coefficients().
	Coef *mat.Dense
	// Ensemble is set when the optimiser was an Ensemble.
	Ensemble *EnsembleResult

	reg *Regression
}

// NumTerms returns the number of nonzero coefficients.
func (m *Model) NumTerms() int {
	r, c := m.Coef.Dims()
	n := 0
	for i := range r {
		for j := range c {
			if m.Coef.At(i, j) != 0 {
				n++
			}
		}
	}
	return n
}

// Support reports which terms each equation uses: Support()[i][j] is true
// when Coef[i, j] is nonzero.
func (m *Model) Support() [][]bool {
	r, c := m.Coef.Dims()
	s := make([][]bool, r)
	for i := range r {
		s[i] = make([]bool, c)
		for j := range c {
			s[i][j] = m.Coef.At(i, j) != 0
		}
	}
	return s
}

// Equations returns one line per state in pysindy's style, with precision
// digits after the point: "x' = -9.999 x + 9.999 y". A constant term is
// printed as its bare coefficient.
func (m *Model) Equations(precision int) []string {
	out := make([]string, len(m.Names))
	for i, name := range m.Names {
		var b strings.Builder
		b.WriteString(name + "' =")
		first := true
		for j, f := range m.Features {
			c := m.Coef.At(i, j)
			if c == 0 {
				continue
			}
			num := strconv.FormatFloat(math.Abs(c), 'f', precision, 64)
			switch {
			case first && c < 0:
				b.WriteString(" -" + num)
			case first:
				b.WriteString(" " + num)
			case c < 0:
				b.WriteString(" - " + num)
			default:
				b.WriteString(" + " + num)
			}
			if !f.isConst() {
				b.WriteString(" " + f.Name)
			}
			first = false
		}
		if first {
			b.WriteString(" 0")
		}
		out[i] = b.String()
	}
	return out
}

// String returns the equations with three decimals, one per line.
func (m *Model) String() string { return strings.Join(m.Equations(3), "\n") }

// Eval writes the model's right-hand side at (t, x) into dx. It evaluates
// every feature; use System for repeated allocation-free evaluation.
func (m *Model) Eval(t float64, x, dx []float64) {
	s := m.System()
	s.Func(t, x, dx)
}

// System returns the model as an ode.System. Each call returns an
// independent value with its own workspace; the value evaluates only the
// features some equation uses and allocates nothing per call.
func (m *Model) System() *System { return m.systemFor(nil) }

// systemFor is System over the terms where support is true (nil: the
// nonzero coefficients), zero coefficients included.
func (m *Model) systemFor(support [][]bool) *System {
	k, p := m.Coef.Dims()
	s := &System{n: k, start: make([]int, k+1)}
	used := make([]int, p) // feature index → slot+1
	for i := range k {
		for j := range p {
			c := m.Coef.At(i, j)
			if support == nil && c == 0 || support != nil && !support[i][j] {
				continue
			}
			if used[j] == 0 {
				s.feats = append(s.feats, m.Features[j].Eval)
				used[j] = len(s.feats)
			}
			s.slot = append(s.slot, used[j]-1)
			s.coef = append(s.coef, c)
		}
		s.start[i+1] = len(s.coef)
	}
	s.vals = make([]float64, len(s.feats))
	return s
}

// System is a discovered model in the form the ODE solvers take
// (ode.System): a sparse matrix–vector product with the features.
type System struct {
	n     int
	feats []func(float64, []float64) float64
	vals  []float64
	start []int // equation i uses terms start[i]..start[i+1]-1
	slot  []int
	coef  []float64
}

// Dim returns the number of states.
func (s *System) Dim() int { return s.n }

// Func writes the right-hand side at (t, y) into dy.
func (s *System) Func(t float64, y, dy []float64) {
	for a, f := range s.feats {
		s.vals[a] = f(t, y)
	}
	for i := range s.n {
		var v float64
		for q := s.start[i]; q < s.start[i+1]; q++ {
			v += s.coef[q] * s.vals[s.slot[q]]
		}
		dy[i] = v
	}
}

// Score returns the coefficient of determination R² of the fit on the
// regression it was fitted to (derivatives, or weak-form integrals),
// pooled over all equations.
func (m *Model) Score() float64 {
	if m.reg == nil {
		return math.NaN()
	}
	rss := m.reg.RSS(m.Coef)
	var num, den float64
	mrows, _, k := m.reg.Dims()
	for i := range k {
		num += rss[i]
		var mean float64
		for r := range mrows {
			mean += m.reg.Y.At(r, i)
		}
		mean /= float64(mrows)
		for r := range mrows {
			d := m.reg.Y.At(r, i) - mean
			den += d * d
		}
	}
	return 1 - num/den
}
