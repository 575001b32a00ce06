package sde

import "fmt"

// DiscreteGradient is the discretise-then-optimise reference for
// AdjointGradient: it solves sys with a fixed step along bm, stores the
// whole trajectory (O(steps·Dim) memory) and backpropagates through the
// solver's arithmetic, for a loss on the states at the save times ts.
// Methods: euler (Itô), heun and reversible_heun (Stratonovich). gy0
// receives ∂L/∂y0 and gp ∂L/∂θ, exact for the computed solution.
//
// It shares no code with AdjointGradient's backward passes, so the two can
// check each other: with reversible_heun they agree to rounding; with heun
// the continuous adjoint differs by O(Dt).
func DiscreteGradient(sys Differentiable, y0, ts []float64, bm BrownianPath, dLdy LossGrad, gy0, gp []float64, opts *AdjointOptions) error {
	o, grid, err := checkGradientArgs(sys, y0, ts, bm, dLdy, gy0, gp, opts, MethodReversibleHeun)
	if err != nil {
		return err
	}
	n, m, kind := sys.Dim(), sys.NoiseDim(), sys.Noise()
	gl := gLen(kind, n, m)
	g := grid.grid
	S := len(g) - 1
	K := len(ts)
	// tape[j] = y at g[j]; for reversible Heun also ŷ in hat[j].
	tape := make([]float64, (S+1)*n)
	var hat []float64
	copy(tape, y0)
	dws := make([]float64, S*m)
	for j := 0; j < S; j++ {
		bm.Increment(g[j], g[j+1], dws[j*m:(j+1)*m])
	}
	switch o.Method {
	case MethodEuler, MethodHeun:
		info, _ := Lookup(o.Method)
		st := info.newStepper(newProblem(sys))
		for j := 0; j < S; j++ {
			out := tape[(j+1)*n : (j+2)*n]
			st.step(g[j], g[j+1]-g[j], tape[j*n:(j+1)*n], dws[j*m:(j+1)*m], nil, out)
			if !finite(out) {
				return &SolveError{Method: o.Method, T: g[j], H: g[j+1] - g[j], Path: -1, Err: ErrNonFinite}
			}
		}
	case MethodReversibleHeun:
		hat = make([]float64, (S+1)*n)
		copy(hat, y0)
		r := NewReversibleHeun(sys)
		r.Reset(g[0], y0)
		for j := 0; j < S; j++ {
			r.Step(g[j+1]-g[j], dws[j*m:(j+1)*m])
			if !finite(r.Y) || !finite(r.YHat) {
				return &SolveError{Method: o.Method, T: g[j], H: g[j+1] - g[j], Path: -1, Err: ErrNonFinite}
			}
			copy(tape[(j+1)*n:], r.Y)
			copy(hat[(j+1)*n:], r.YHat)
		}
	default:
		return fmt.Errorf("%w %q for DiscreteGradient (euler, heun or reversible_heun)", ErrUnknownMethod, o.Method)
	}

	for i := range gp {
		gp[i] = 0
	}
	a, ah := make([]float64, n), make([]float64, n) // adjoints of y and ŷ
	la, ay, ay2 := make([]float64, n), make([]float64, n), make([]float64, n)
	v, c, yt := make([]float64, n), make([]float64, n), make([]float64, n)
	f, gg, b := make([]float64, n), make([]float64, gl), make([]float64, gl)
	k := K - 1
	for j := S; j >= 0; j-- {
		if k >= 0 && grid.save[k] == j {
			dLdy(k, tape[j*n:(j+1)*n], la)
			for i := range a {
				a[i] += la[i]
			}
			k--
		}
		if j == 0 {
			break
		}
		// Backpropagate through the step g[j−1] → g[j].
		t, t1, h := g[j-1], g[j], g[j]-g[j-1]
		y := tape[(j-1)*n : j*n]
		dw := dws[(j-1)*m : j*m]
		switch o.Method {
		case MethodEuler:
			// y' = y + f(t,y) h + g(t,y) dw
			for i := range v {
				v[i] = h * a[i]
			}
			sys.VJP(t, y, v, ay, gp)
			noiseOuter(kind, n, m, a, dw, b, 1)
			sys.DiffusionVJP(t, y, b, ay2, gp)
			for i := range a {
				a[i] += ay[i] + ay2[i]
			}
		case MethodHeun:
			// ỹ = y + f(y) h + g(y) dw; y' = y + ½h(f(y) + f(ỹ)) + ½(g(y) + g(ỹ)) dw
			sys.Func(t, y, f)
			sys.Diffusion(t, y, gg)
			copy(yt, y)
			for i := range yt {
				yt[i] += h * f[i]
			}
			addNoise(kind, n, m, gg, dw, yt)
			for i := range v {
				v[i] = 0.5 * h * a[i]
			}
			sys.VJP(t1, yt, v, ay, gp)
			noiseOuter(kind, n, m, a, dw, b, 0.5)
			sys.DiffusionVJP(t1, yt, b, ay2, gp)
			for i := range c {
				c[i] = ay[i] + ay2[i] // adjoint of ỹ
				v[i] = 0.5*a[i] + c[i]
			}
			noiseOuter(kind, n, m, v, dw, b, 1)
			for i := range v {
				v[i] *= h
			}
			sys.VJP(t, y, v, ay, gp)
			sys.DiffusionVJP(t, y, b, ay2, gp)
			for i := range a {
				a[i] += c[i] + ay[i] + ay2[i]
			}
		case MethodReversibleHeun:
			// ŷ' = 2y − ŷ + f(ŷ) h + g(ŷ) dw
			// y'  = y + ½h(f(ŷ) + f(ŷ')) + ½(g(ŷ) + g(ŷ')) dw
			yh1 := hat[j*n : (j+1)*n]
			yh := hat[(j-1)*n : j*n]
			for i := range v {
				v[i] = 0.5 * h * a[i]
			}
			sys.VJP(t1, yh1, v, ay, gp)
			noiseOuter(kind, n, m, a, dw, b, 0.5)
			sys.DiffusionVJP(t1, yh1, b, ay2, gp)
			for i := range c {
				c[i] = ah[i] + ay[i] + ay2[i] // full adjoint of ŷ'
				v[i] = c[i] + 0.5*a[i]
			}
			noiseOuter(kind, n, m, v, dw, b, 1)
			for i := range v {
				v[i] *= h
			}
			sys.VJP(t, yh, v, ay, gp)
			sys.DiffusionVJP(t, yh, b, ay2, gp)
			for i := range a {
				a[i] += 2 * c[i]
				ah[i] = -c[i] + ay[i] + ay2[i]
			}
		}
	}
	for i := range gy0 {
		gy0[i] = a[i] + ah[i] // ŷ0 = y0 for reversible Heun; ah = 0 otherwise
	}
	return nil
}
