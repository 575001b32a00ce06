package ode

import "math"

// luScalar is what the stiff solvers factorise: real matrices (Rosenbrock,
// Radau's real block) and complex ones (Radau's complex block).
type luScalar interface{ ~float64 | ~complex128 }

// luFactor factorises the row-major n×n real matrix a in place.
func luFactor(a []float64, n int, piv []int) bool { return luFactorT(a, n, piv, math.Abs) }

// luFactorC factorises the row-major n×n complex matrix a in place.
func luFactorC(a []complex128, n int, piv []int) bool { return luFactorT(a, n, piv, cabs1) }

// luSolve and luSolveC overwrite b with the solution of a·x = b, where a
// and piv come from luFactor or luFactorC.
func luSolve(a []float64, n int, piv []int, b []float64)        { luSolveT(a, n, piv, b) }
func luSolveC(a []complex128, n int, piv []int, b []complex128) { luSolveT(a, n, piv, b) }

// luFactorT factorises the row-major n×n matrix a in place as P·a = L·U by
// Gaussian elimination with partial pivoting (the pivot of largest mag),
// recording the row swaps in piv. It reports false when a pivot or its
// reciprocal is zero or not finite (a singular or poisoned matrix); a is
// then unusable.
func luFactorT[T luScalar](a []T, n int, piv []int, mag func(T) float64) bool {
	for k := 0; k < n; k++ {
		// pivot: largest mag(a[i][k]) for i ≥ k
		p, pmax := k, mag(a[k*n+k])
		for i := k + 1; i < n; i++ {
			if v := mag(a[i*n+k]); v > pmax {
				p, pmax = i, v
			}
		}
		piv[k] = p
		if !(pmax > 0) || math.IsInf(pmax, 0) {
			return false
		}
		rk := a[k*n : k*n+n]
		if p != k {
			rp := a[p*n : p*n+n]
			for j := range rk {
				rk[j], rp[j] = rp[j], rk[j]
			}
		}
		inv := 1 / rk[k]
		if m := mag(inv); math.IsNaN(m) || math.IsInf(m, 0) {
			return false // a subnormal pivot: its reciprocal overflows
		}
		for i := k + 1; i < n; i++ {
			ri := a[i*n : i*n+n]
			l := ri[k] * inv
			ri[k] = l
			if l == 0 {
				continue
			}
			ri, rkk := ri[k+1:], rk[k+1:]
			for j, v := range rkk {
				ri[j] -= l * v
			}
		}
	}
	return true
}

func luSolveT[T luScalar](a []T, n int, piv []int, b []T) {
	for k := 0; k < n; k++ {
		if p := piv[k]; p != k {
			b[k], b[p] = b[p], b[k]
		}
	}
	// forward: L has a unit diagonal
	for i := 1; i < n; i++ {
		ri := a[i*n : i*n+i]
		s := b[i]
		for j, v := range ri {
			s -= v * b[j]
		}
		b[i] = s
	}
	for i := n - 1; i >= 0; i-- {
		ri := a[i*n : i*n+n]
		s := b[i]
		for j := i + 1; j < n; j++ {
			s -= ri[j] * b[j]
		}
		b[i] = s / ri[i]
	}
}

// cabs1 is |re| + |im|, the pivot magnitude LINPACK uses for complex LU.
func cabs1(z complex128) float64 { return math.Abs(real(z)) + math.Abs(imag(z)) }
