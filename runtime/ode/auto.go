package ode

import "math"

// Method "auto" starts with tsit5 and switches to rodas5p when the problem
// turns stiff, and back when it stops being stiff (the idea of LSODA and
// of OrdinaryDiffEq.jl's AutoTsit5(Rodas5P)).
//
// Stiffness is detected as in Hairer's DOPRI5: tsit5 estimates h·ρ from
// its last two stages (both at t+h) after every accepted step; when the
// estimate exceeds the stability boundary in autoStiffSteps accepted steps
// (autoResetSteps non-stiff ones in a row forgive them), the solve goes on
// with rodas5p. Rodas5P in turn reports |h|·‖J‖∞ ≥ h·ρ; when that stays
// below autoNonStiff for autoStiffSteps steps in a row an explicit method
// could take the same steps, and the solve returns to tsit5.

func init() {
	register(MethodInfo{Name: "auto", Order: 5, Stiff: true,
		Description: "tsit5, switching to rodas5p while the problem is stiff (stiffness detection as DOPRI5)",
		newStepper:  func(n int) stepper { return newAuto(n) }})
}

const (
	autoStiffBound = 3.25 // h·ρ above this: the explicit step is stability-limited
	autoNonStiff   = 1.5  // |h|·‖J‖∞ below this: the stiff method is not needed
	autoStiffSteps = 15
	autoResetSteps = 6
)

type autoStepper struct {
	p         *problem
	explicit  *rkStepper
	stiff     *rosenbrock
	useStiff  bool // the stepper for the next step
	lastStiff bool // the stepper that took the last accepted step
	nStiff    int
	nNon      int
}

func newAuto(n int) *autoStepper {
	e := newRK(tsit5, n)
	e.detectStiff = true
	return &autoStepper{explicit: e, stiff: newRosenbrock(rodas5pTableau(), n)}
}

func (a *autoStepper) init(p *problem, t0 float64, y0 []float64) (float64, error) {
	a.p = p
	a.useStiff, a.lastStiff = false, false
	a.nStiff, a.nNon = 0, 0
	return a.explicit.init(p, t0, y0)
}

// restart initialises the other stepper at (t, y), with an automatic first
// step no smaller than hmin.
func (a *autoStepper) restart(st stepper, t float64, y []float64, hmin float64) (float64, error) {
	p := a.p
	first := p.opt.FirstStep
	p.opt.FirstStep = 0
	h, err := st.init(p, t, y)
	p.opt.FirstStep = first
	if math.Abs(h) < math.Abs(hmin) {
		h = hmin
	}
	if math.Abs(h) > p.hmax {
		h = p.dir * p.hmax
	}
	return h, err
}

func (a *autoStepper) step(t float64, y []float64, h float64, ynew []float64) (bool, float64, error) {
	if !a.useStiff {
		ok, hnext, err := a.explicit.step(t, y, h, ynew)
		if !ok || err != nil {
			return ok, hnext, err
		}
		a.lastStiff = false
		if a.explicit.stiffness() > autoStiffBound {
			a.nNon = 0
			a.nStiff++
			if a.nStiff >= autoStiffSteps {
				a.nStiff = 0
				a.useStiff = true
				a.p.stats.NSwitch++
				hnext, err = a.restart(a.stiff, t+h, ynew, hnext)
			}
		} else {
			a.nNon++
			if a.nNon >= autoResetSteps {
				a.nStiff = 0
			}
		}
		return true, hnext, err
	}
	ok, hnext, err := a.stiff.step(t, y, h, ynew)
	if !ok || err != nil {
		return ok, hnext, err
	}
	a.lastStiff = true
	if a.stiff.stiffness() < autoNonStiff {
		a.nNon++
		if a.nNon >= autoStiffSteps {
			a.nNon = 0
			a.useStiff = false
			a.p.stats.NSwitch++
			var hs float64
			hs, err = a.restart(a.explicit, t+h, ynew, 0)
			hnext = math.Copysign(math.Min(math.Abs(hnext), math.Abs(hs)), hnext)
		}
	} else {
		a.nNon = 0
	}
	return true, hnext, err
}

func (a *autoStepper) interp(t float64, out []float64) {
	if a.lastStiff {
		a.stiff.interp(t, out)
		return
	}
	a.explicit.interp(t, out)
}

// appendDense tags each step's data with the stepper that produced it.
func (a *autoStepper) appendDense(buf []float64) []float64 {
	if a.lastStiff {
		return a.stiff.appendDense(append(buf, 1))
	}
	return a.explicit.appendDense(append(buf, 0))
}

func (a *autoStepper) evalDense(seg []float64, t float64, out []float64) {
	if seg[0] == 1 {
		a.stiff.evalDense(seg[1:], t, out)
		return
	}
	a.explicit.evalDense(seg[1:], t, out)
}
