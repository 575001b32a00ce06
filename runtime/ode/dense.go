package ode

import (
	"fmt"
	"sort"
)

// denseStore keeps the dense output of every accepted step.
type denseStore struct {
	n    int
	dir  float64
	t0   float64
	ends []float64 // ends[i] is the end time of step i
	offs []int     // data of step i is data[offs[i]:offs[i+1]]
	data []float64
	w    denseWriter
}

func (d *denseStore) reset(n int, t0, dir float64, w denseWriter) {
	d.n, d.t0, d.dir, d.w = n, t0, dir, w
	d.ends = d.ends[:0]
	d.offs = append(d.offs[:0], 0)
	d.data = d.data[:0]
}

func (d *denseStore) add(t, tnew float64, w denseWriter) {
	d.data = w.appendDense(d.data)
	d.ends = append(d.ends, tnew)
	d.offs = append(d.offs, len(d.data))
}

func (d *denseStore) cut(t float64) {
	if k := len(d.ends); k > 0 {
		d.ends[k-1] = t
	}
}

// Eval writes the dense-output interpolant at time t into out. It needs
// Options.Dense; t must lie within the integrated interval.
func (s *Solution) Eval(t float64, out []float64) error {
	d := s.dense
	if d == nil {
		return fmt.Errorf("ode: Solution.Eval needs Options.Dense")
	}
	if len(out) != d.n {
		return fmt.Errorf("ode: Solution.Eval: len(out) = %d, want %d", len(out), d.n)
	}
	if len(d.ends) == 0 {
		return fmt.Errorf("ode: Solution.Eval: empty solution")
	}
	tend := d.ends[len(d.ends)-1]
	if (t-d.t0)*d.dir < 0 || (t-tend)*d.dir > 0 {
		return fmt.Errorf("ode: Solution.Eval: t=%g outside the solved interval [%g, %g]", t, d.t0, tend)
	}
	i := sort.Search(len(d.ends), func(i int) bool { return (d.ends[i]-t)*d.dir >= 0 })
	if i == len(d.ends) {
		i--
	}
	d.w.evalDense(d.data[d.offs[i]:d.offs[i+1]], t, out)
	return nil
}
