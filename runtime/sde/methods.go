package sde

import (
	"fmt"
	"sort"
)

// Calculus is the stochastic calculus a method integrates in.
type Calculus int

const (
	Ito Calculus = iota
	Stratonovich
)

func (c Calculus) String() string {
	if c == Stratonovich {
		return "Stratonovich"
	}
	return "Itô"
}

// Method names.
const (
	MethodEuler          = "euler"           // Itô, strong 0.5, weak 1
	MethodMilstein       = "milstein"        // Itô, strong 1 (diagonal, scalar, additive)
	MethodSRA1           = "sra1"            // Itô = Stratonovich, additive noise, strong 1.5
	MethodSRA3           = "sra3"            // additive noise, strong 1.5, deterministic order 3
	MethodSRIW1          = "sriw1"           // Itô, diagonal or scalar noise, strong 1.5
	MethodEulerHeun      = "euler_heun"      // Stratonovich, strong 1 (commutative noise)
	MethodHeun           = "heun"            // Stratonovich, strong 1 (commutative noise)
	MethodMidpoint       = "midpoint"        // Stratonovich, strong 1 (commutative noise)
	MethodReversibleHeun = "reversible_heun" // Stratonovich, algebraically reversible
)

// MethodInfo describes a registered method.
type MethodInfo struct {
	Name     string
	Calculus Calculus
	// StrongOrder is the strong order for the noise kinds the method
	// supports (for Stratonovich methods: with commutative noise; 0.5 with
	// general non-commutative noise, as no Lévy areas are sampled).
	StrongOrder float64
	WeakOrder   float64
	// Levy methods need the space-time Lévy area (a LevyPath).
	Levy bool
	// Adaptive methods support Options.Adaptive (error control by step
	// doubling on the Brownian path).
	Adaptive    bool
	Noise       []NoiseKind
	Description string

	newStepper func(p *problem) stepper
}

// Supports reports whether the method handles noise kind k.
func (mi MethodInfo) Supports(k NoiseKind) bool {
	for _, n := range mi.Noise {
		if n == k {
			return true
		}
	}
	return false
}

var methods = map[string]MethodInfo{}

func register(m MethodInfo) {
	if _, dup := methods[m.Name]; dup {
		panic("sde: method registered twice: " + m.Name)
	}
	methods[m.Name] = m
}

// Methods lists the registered methods sorted by name.
func Methods() []MethodInfo {
	out := make([]MethodInfo, 0, len(methods))
	for _, m := range methods {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup returns the method registered under name.
func Lookup(name string) (MethodInfo, error) {
	m, ok := methods[name]
	if !ok {
		return MethodInfo{}, fmt.Errorf("%w %q", ErrUnknownMethod, name)
	}
	return m, nil
}

// problem is what every stepper shares: the system and the work counters.
type problem struct {
	sys     System
	n, m    int
	kind    NoiseKind
	f, g    func(t float64, y, out []float64)
	dg      func(t float64, y, out []float64)
	nfe, ng int
}

func newProblem(sys System) *problem {
	p := &problem{sys: sys, n: sys.Dim(), m: sys.NoiseDim(), kind: sys.Noise(), f: sys.Func, g: sys.Diffusion}
	p.dg = diffusionDerivativeOf(sys)
	return p
}

func (p *problem) drift(t float64, y, out []float64) {
	p.nfe++
	p.f(t, y, out)
}

func (p *problem) diff(t float64, y, out []float64) {
	p.ng++
	p.g(t, y, out)
}

// stepper advances one step: out = Φ(t, h, y, ΔW, H). y must not be
// modified; hh (the Lévy area) is nil for methods without Levy.
type stepper interface {
	step(t, h float64, y, dw, hh, out []float64)
}

// statefulStepper is a stepper that carries state between steps (reversible
// Heun); reset is called at the start of a solve.
type statefulStepper interface {
	stepper
	reset(t float64, y []float64)
}

var (
	allKinds      = []NoiseKind{Diagonal, Scalar, Additive, General}
	commutingKind = []NoiseKind{Diagonal, Scalar, Additive}
)
