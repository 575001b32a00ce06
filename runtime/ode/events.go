package ode

import (
	"math"
	"sort"
)

// events checks every event function at the end of the accepted step
// [t, tnew] (state ynew), locates the crossings on the step's dense output
// and records them in time order. It returns the time at which the solve
// must stop (tnew unless a terminal event fired) and whether one did.
func (s *Solver) events(sol *Solution, t, tnew float64, ynew []float64) (tstop float64, stopped bool) {
	evs := s.p.opt.Events
	dir := s.p.dir
	first := len(sol.Events)
	tstop = tnew
	for i, e := range evs {
		s.gNew[i] = e.Func(tnew, ynew)
	}
	for i, e := range evs {
		g0, g1 := s.gOld[i], s.gNew[i]
		if !crosses(g0, g1, e.Direction, dir) {
			continue
		}
		tc := s.locate(e.Func, t, tnew, g0, g1)
		if (tc-tstop)*dir > 0 {
			continue // after a terminal crossing already found
		}
		y := make([]float64, s.p.n)
		s.st.interp(tc, y)
		sol.Events = append(sol.Events, EventHit{Index: i, T: tc, Y: y})
		if e.Terminal {
			tstop, stopped = tc, true
		}
	}
	hits := sol.Events[first:]
	sort.SliceStable(hits, func(a, b int) bool { return (hits[a].T-hits[b].T)*dir < 0 })
	if stopped {
		k := len(hits)
		for k > 0 && (hits[k-1].T-tstop)*dir > 0 {
			k--
		}
		sol.Events = sol.Events[:first+k]
	}
	copy(s.gOld, s.gNew)
	return tstop, stopped
}

// crosses reports whether g going from g0 to g1 is a zero crossing in the
// requested direction (+1 rising, −1 falling, 0 either), with time running
// in direction dir. A start exactly on zero is not a crossing, so an event
// that just fired does not fire again at the start of the next step.
func crosses(g0, g1 float64, want int, dir float64) bool {
	if g0 == 0 || math.IsNaN(g0) || math.IsNaN(g1) {
		return false
	}
	if g0*g1 > 0 {
		return false
	}
	rising := (g1 > g0) == (dir > 0)
	switch want {
	case 1:
		return rising
	case -1:
		return !rising
	}
	return true
}

// locate finds a zero of g(τ, y(τ)) on [a, b] by the Illinois method on the
// dense output, to about four ulps of τ.
func (s *Solver) locate(g func(float64, []float64) float64, a, b, ga, gb float64) float64 {
	y := s.evY
	if gb == 0 {
		return b
	}
	side := 0
	for range 200 {
		if math.Abs(b-a) <= 4*uround*math.Max(math.Abs(a), math.Abs(b))+math.SmallestNonzeroFloat64 {
			break
		}
		c := (a*gb - b*ga) / (gb - ga)
		if !(c > math.Min(a, b) && c < math.Max(a, b)) {
			c = 0.5 * (a + b)
		}
		s.st.interp(c, y)
		gc := g(c, y)
		if gc == 0 {
			return c
		}
		if gc*gb > 0 {
			b, gb = c, gc
			if side == -1 {
				ga *= 0.5
			}
			side = -1
		} else {
			a, ga = c, gc
			if side == 1 {
				gb *= 0.5
			}
			side = 1
		}
	}
	// return the end on the far side of the crossing, so the event state
	// satisfies the crossing (g has changed sign there)
	return b
}
