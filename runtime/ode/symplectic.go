package ode

import (
	"errors"
	"math"
)

// Symplectic integrators for separable systems y = (q, p) with
// q' = Velocity(p) and p' = Force(t, q) (see Separable).
//
// Both methods are compositions of the kick–drift–kick leapfrog
//
//	p ← p + (c·h)·Force(τ, q)      (kick)
//	q ← q + (d·h)·Velocity(p)      (drift, τ ← τ + d·h)
//
// with the last kick of a step merged with the first of the next (the force
// at the end of a step is the force at the start of the next). Being
// symplectic and symmetric, they keep the energy of a Hamiltonian system
// within O(h^order) for exponentially long times instead of drifting.
//
// NFE convention: Stats.NFE counts Force calls, one per kick (leapfrog: one
// per step, yoshida4: three per step, plus one at the start). Velocity
// calls are not counted: it is ∂T/∂p, usually p/m.
//
// Dense output is the cubic Hermite interpolant between the step ends,
// using the exact derivatives (Velocity(p), Force(t, q)) there.

func init() {
	register(MethodInfo{
		Name:        "leapfrog",
		Order:       2,
		Fixed:       true,
		Separable:   true,
		Description: "velocity Verlet / Störmer–Verlet (kick–drift–kick), symplectic, order 2; NFE counts Force calls (1 per step)",
		newStepper:  func(n int) stepper { return newSymplectic(n, leapfrogKick[:], leapfrogDrift[:]) },
	})
	register(MethodInfo{
		Name:        "yoshida4",
		Order:       4,
		Fixed:       true,
		Separable:   true,
		Description: "Yoshida (1990) 4th-order symmetric composition of leapfrog, symplectic; NFE counts Force calls (3 per step)",
		newStepper:  func(n int) stepper { return newSymplectic(n, yoshida4Kick[:], yoshida4Drift[:]) },
	})
}

// errNotSeparable is unreachable through Solve, which checks first.
var errNotSeparable = errors.New("ode: symplectic method needs a Separable system")

var (
	leapfrogKick  = [2]float64{0.5, 0.5}
	leapfrogDrift = [1]float64{1}

	// Yoshida's triple jump: leapfrog steps of w1·h, w0·h, w1·h with
	// w1 = 1/(2 − 2^{1/3}), w0 = −2^{1/3}/(2 − 2^{1/3}).
	yoshidaW1     = 1 / (2 - math.Cbrt(2))
	yoshidaW0     = -math.Cbrt(2) / (2 - math.Cbrt(2))
	yoshida4Kick  = [4]float64{yoshidaW1 / 2, (yoshidaW0 + yoshidaW1) / 2, (yoshidaW0 + yoshidaW1) / 2, yoshidaW1 / 2}
	yoshida4Drift = [3]float64{yoshidaW1, yoshidaW0, yoshidaW1}
)

type symplectic struct {
	p     *problem
	sys   Separable
	m     int       // half dimension
	kick  []float64 // len(drift)+1 kick coefficients
	drift []float64
	frc   []float64 // Force at the current position
	vel   []float64
	// dense output of the last step: states and derivatives at its ends.
	// d1 (the end derivative) becomes d0 of the next step by a swap.
	y0, y1, d0, d1 []float64
	t0, h          float64
}

func newSymplectic(n int, kick, drift []float64) *symplectic {
	if n%2 != 0 {
		panic("ode: symplectic method needs an even dimension")
	}
	m := n / 2
	return &symplectic{
		m: m, kick: kick, drift: drift,
		frc: make([]float64, m), vel: make([]float64, m),
		y0: make([]float64, n), y1: make([]float64, n),
		d0: make([]float64, n), d1: make([]float64, n),
	}
}

func (s *symplectic) init(p *problem, t0 float64, y0 []float64) (float64, error) {
	sys, ok := p.sys.(Separable)
	if !ok {
		return 0, errNotSeparable
	}
	s.p, s.sys = p, sys
	m := s.m
	// d1 holds the derivative at the current point (it is swapped into d0
	// at the start of each step).
	sys.Velocity(y0[m:], s.d1[:m])
	sys.Force(t0, y0[:m], s.d1[m:])
	p.stats.NFE++
	copy(s.frc, s.d1[m:])
	copy(s.y1, y0)
	s.t0, s.h = t0, 0
	return p.dir * p.opt.StepSize, nil
}

func (s *symplectic) step(t float64, y []float64, h float64, ynew []float64) (bool, float64, error) {
	m, p, sys := s.m, s.p, s.sys
	s.d0, s.d1 = s.d1, s.d0
	copy(s.y0, y)
	copy(ynew, y)
	q, mom := ynew[:m], ynew[m:]
	frc, vel := s.frc, s.vel
	tau := t
	last := len(s.drift) - 1
	for i, d := range s.drift {
		c := s.kick[i] * h
		for j, f := range frc {
			mom[j] += c * f
		}
		sys.Velocity(mom, vel)
		dh := d * h
		for j, v := range vel {
			q[j] += dh * v
		}
		if i == last {
			tau = t + h // land exactly on the step end
		} else {
			tau += dh
		}
		sys.Force(tau, q, frc)
		p.stats.NFE++
	}
	c := s.kick[len(s.drift)] * h
	for j, f := range frc {
		mom[j] += c * f
	}
	sys.Velocity(mom, s.d1[:m])
	copy(s.d1[m:], frc)
	copy(s.y1, ynew)
	s.t0, s.h = t, h
	p.stats.Accepted++
	return true, p.dir * p.opt.StepSize, nil
}

func (s *symplectic) interp(t float64, out []float64) {
	symHermite((t-s.t0)/s.h, s.h, s.y0, s.y1, s.d0, s.d1, out)
}

// appendDense stores [t0, h, y0, y1, y0', y1'].
func (s *symplectic) appendDense(buf []float64) []float64 {
	buf = append(buf, s.t0, s.h)
	buf = append(buf, s.y0...)
	buf = append(buf, s.y1...)
	buf = append(buf, s.d0...)
	return append(buf, s.d1...)
}

func (s *symplectic) evalDense(seg []float64, t float64, out []float64) {
	evalHermiteSeg(seg, t, out)
}

// evalHermiteSeg evaluates a dense segment [t0, h, y0, y1, y0', y1'].
func evalHermiteSeg(seg []float64, t float64, out []float64) {
	n := len(out)
	t0, h := seg[0], seg[1]
	y0, y1 := seg[2:2+n], seg[2+n:2+2*n]
	f0, f1 := seg[2+2*n:2+3*n], seg[2+3*n:2+4*n]
	symHermite((t-t0)/h, h, y0, y1, f0, f1, out)
}

// symHermite writes the cubic Hermite interpolant through (y0, f0) and
// (y1, f1) at θ ∈ [0, 1] of a step of size h.
func symHermite(theta, h float64, y0, y1, f0, f1, out []float64) {
	t1 := theta - 1
	for i := range out {
		d := y1[i] - y0[i]
		out[i] = y0[i] + theta*d + theta*t1*((1-2*theta)*d+t1*h*f0[i]+theta*h*f1[i])
	}
}
