package main

import "math"

// lbfgs minimises f (which writes its gradient into g) from x in place by
// limited-memory BFGS (memory m) with a backtracking Armijo line search,
// for at most iters iterations; it returns the final value. A failed
// evaluation (an error) counts as +Inf, so the line search steps back.
func lbfgs(f func(x, g []float64) (float64, error), x []float64, iters, m int) (float64, error) {
	n := len(x)
	g := make([]float64, n)
	fx, err := f(x, g)
	if err != nil {
		return 0, err
	}
	s := make([][]float64, 0, m)
	y := make([][]float64, 0, m)
	rho := make([]float64, 0, m)
	alpha := make([]float64, m)
	d := make([]float64, n)
	xn := make([]float64, n)
	gn := make([]float64, n)
	for range iters {
		// Two-loop recursion: d = −H·g.
		copy(d, g)
		for i := len(s) - 1; i >= 0; i-- {
			alpha[i] = rho[i] * dot(s[i], d)
			axpy(-alpha[i], y[i], d)
		}
		if k := len(s) - 1; k >= 0 {
			scale(dot(s[k], y[k])/dot(y[k], y[k]), d)
		} else {
			scale(1e-3/math.Max(math.Sqrt(dot(g, g)), 1e-300), d)
		}
		for i := range s {
			b := rho[i] * dot(y[i], d)
			axpy(alpha[i]-b, s[i], d)
		}
		scale(-1, d)
		slope := dot(g, d)
		if !(slope < 0) { // not a descent direction: restart from the gradient
			s, y, rho = s[:0], y[:0], rho[:0]
			copy(d, g)
			scale(-1e-3/math.Max(math.Sqrt(dot(g, g)), 1e-300), d)
			slope = dot(g, d)
		}
		step, fn := 1.0, math.Inf(1)
		for range 30 {
			for i := range x {
				xn[i] = x[i] + step*d[i]
			}
			v, err := f(xn, gn)
			if err == nil && v <= fx+1e-4*step*slope {
				fn = v
				break
			}
			step /= 2
		}
		if math.IsInf(fn, 1) {
			break // no decrease along d: converged as far as it goes
		}
		sn, yn := make([]float64, n), make([]float64, n)
		for i := range x {
			sn[i], yn[i] = xn[i]-x[i], gn[i]-g[i]
		}
		if sy := dot(sn, yn); sy > 1e-300 {
			if len(s) == m {
				s, y, rho = s[1:], y[1:], rho[1:]
			}
			s, y, rho = append(s, sn), append(y, yn), append(rho, 1/sy)
		}
		copy(x, xn)
		copy(g, gn)
		fx = fn
	}
	return fx, nil
}

func dot(a, b []float64) float64 {
	var s float64
	for i, v := range a {
		s += v * b[i]
	}
	return s
}

func axpy(a float64, x, y []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

func scale(a float64, x []float64) {
	for i := range x {
		x[i] *= a
	}
}
