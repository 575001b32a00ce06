package sde

import (
	"fmt"
	"math"
)

// Differentiable is an SDE whose drift and diffusion expose vector–Jacobian
// products; it satisfies ode.Differentiable for the drift.
type Differentiable interface {
	System
	// Params returns the trainable parameters θ, aliasing the system.
	Params() []float64
	// VJP writes ay = aᵀ ∂f/∂y and accumulates ap += aᵀ ∂f/∂θ at (t, y);
	// ap may be nil.
	VJP(t float64, y, a, ay, ap []float64)
	// DiffusionVJP writes ay = Σ_k b_k ∂g_k/∂y and accumulates
	// ap += Σ_k b_k ∂g_k/∂θ, where k runs over the entries of g in the
	// layout Diffusion uses (len(b) == len(g)); ap may be nil.
	DiffusionVJP(t float64, y, b, ay, ap []float64)
}

// noiseOuter writes into b the cotangent of g for the term G·dw given the
// cotangent a of the result, scaled by s: b = s · a ⊗ dw in g's layout.
func noiseOuter(k NoiseKind, n, m int, a, dw, b []float64, s float64) {
	switch k {
	case Diagonal:
		for i := 0; i < n; i++ {
			b[i] = s * a[i] * dw[i]
		}
	case Scalar:
		for i := 0; i < n; i++ {
			b[i] = s * a[i] * dw[0]
		}
	default:
		for i := 0; i < n; i++ {
			for j := 0; j < m; j++ {
				b[i*m+j] = s * a[i] * dw[j]
			}
		}
	}
}

// Gradient solves sys with a fixed step dt from y0 at t0 to t1 along bm
// with method euler (Itô) or reversible_heun (Stratonovich), writes y(t1)
// into yT, asks lossGrad for aT = ∂L/∂y(t1), and backpropagates through the
// solver's arithmetic (discrete adjoint): gy0 receives ∂L/∂y0 and gp
// ∂L/∂θ (len(Params())). The gradient is exact for the computed solution,
// which makes it the reference for continuous (stochastic) adjoints.
//
// Euler–Maruyama stores the trajectory (O(steps·Dim) memory); reversible
// Heun stores nothing and reconstructs the trajectory backwards with
// StepBack, as in Kidger et al. (2021).
func Gradient(sys Differentiable, method string, y0 []float64, t0, t1, dt float64, bm BrownianPath,
	lossGrad func(yT, aT []float64), yT, gy0, gp []float64) error {
	n, m, kind := sys.Dim(), sys.NoiseDim(), sys.Noise()
	if len(y0) != n || len(yT) != n || len(gy0) != n || len(gp) != len(sys.Params()) {
		return fmt.Errorf("%w: Gradient needs len(y0) = len(yT) = len(gy0) = %d and len(gp) = %d", ErrDim, n, len(sys.Params()))
	}
	if !(t1 > t0) || !(dt > 0) || math.IsInf(t1-t0, 0) {
		return fmt.Errorf("%w: Gradient needs t0 < t1 and dt > 0", ErrTimes)
	}
	if bm == nil {
		return fmt.Errorf("%w: Gradient needs the Brownian path of the solve", ErrPathSpan)
	}
	if a, b := bm.Span(); t0 < a || t1 > b {
		return fmt.Errorf("%w: [%g, %g] not in [%g, %g]", ErrPathSpan, t0, t1, a, b)
	}
	if bm.Dim() != m {
		return fmt.Errorf("%w: Brownian path has %d components, system needs %d", ErrDim, bm.Dim(), m)
	}
	if err := checkGrid(bm, dt, []float64{t0, t1}); err != nil {
		return err
	}
	steps := int(math.Ceil((t1-t0)/dt - 1e-9))
	tk := func(k int) float64 {
		if k >= steps {
			return t1
		}
		return t0 + float64(k)*dt
	}
	gl := gLen(kind, n, m)
	dw := make([]float64, m)
	a, ay, ay2 := make([]float64, n), make([]float64, n), make([]float64, n)
	b, v := make([]float64, gl), make([]float64, n)
	for i := range gp {
		gp[i] = 0
	}
	switch method {
	case MethodEuler:
		p := newProblem(sys)
		st := newEuler(p)
		traj := make([]float64, (steps+1)*n)
		copy(traj, y0)
		for k := 0; k < steps; k++ {
			bm.Increment(tk(k), tk(k+1), dw)
			st.step(tk(k), tk(k+1)-tk(k), traj[k*n:(k+1)*n], dw, nil, traj[(k+1)*n:(k+2)*n])
			if !finite(traj[(k+1)*n : (k+2)*n]) {
				return &SolveError{Method: method, T: tk(k), H: tk(k+1) - tk(k), Path: -1, Err: ErrNonFinite}
			}
		}
		copy(yT, traj[steps*n:])
		lossGrad(yT, a)
		for k := steps - 1; k >= 0; k-- {
			t, h := tk(k), tk(k+1)-tk(k)
			y := traj[k*n : (k+1)*n]
			bm.Increment(t, tk(k+1), dw)
			for i := range v {
				v[i] = h * a[i]
			}
			sys.VJP(t, y, v, ay, gp)
			noiseOuter(kind, n, m, a, dw, b, 1)
			sys.DiffusionVJP(t, y, b, ay2, gp)
			for i := range a {
				a[i] += ay[i] + ay2[i]
			}
		}
		copy(gy0, a)
	case MethodReversibleHeun:
		r := NewReversibleHeun(sys)
		r.Reset(t0, y0)
		for k := 0; k < steps; k++ {
			bm.Increment(tk(k), tk(k+1), dw)
			r.Step(tk(k+1)-tk(k), dw)
			if !finite(r.Y) {
				return &SolveError{Method: method, T: tk(k), H: tk(k+1) - tk(k), Path: -1, Err: ErrNonFinite}
			}
		}
		copy(yT, r.Y)
		lossGrad(yT, a)
		// ayh: adjoint of ŷ from later steps, without the pending products
		// J_f(ŷ)ᵀ pf and J_g(ŷ)ᵀ pb at the current ŷ, which are merged with
		// the next step's so each step costs one VJP of f and one of g.
		ayh, pf, pb, c := make([]float64, n), make([]float64, n), make([]float64, gl), make([]float64, n)
		for k := steps - 1; k >= 0; k-- {
			t, h := tk(k+1), tk(k+1)-tk(k)
			bm.Increment(tk(k), t, dw)
			for i := range pf {
				pf[i] += 0.5 * h * a[i]
			}
			noiseOuter(kind, n, m, a, dw, b, 0.5)
			for i := range pb {
				pb[i] += b[i]
			}
			sys.VJP(t, r.YHat, pf, ay, gp)
			sys.DiffusionVJP(t, r.YHat, pb, ay2, gp)
			for i := range c {
				c[i] = ayh[i] + ay[i] + ay2[i]
			}
			for i := range a {
				pf[i] = h * (c[i] + 0.5*a[i])
				v[i] = c[i] + 0.5*a[i]
				a[i] += 2 * c[i]
				ayh[i] = -c[i]
			}
			noiseOuter(kind, n, m, v, dw, pb, 1)
			r.StepBack(h, dw)
		}
		sys.VJP(t0, r.YHat, pf, ay, gp)
		sys.DiffusionVJP(t0, r.YHat, pb, ay2, gp)
		for i := range gy0 {
			gy0[i] = a[i] + ayh[i] + ay[i] + ay2[i]
		}
	default:
		return fmt.Errorf("%w %q for Gradient (euler or reversible_heun)", ErrUnknownMethod, method)
	}
	return nil
}
