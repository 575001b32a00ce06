package ode

import (
	"math"
	"math/cmplx"
)

// luFactor factorises the row-major n×n matrix a in place as P·a = L·U by
// Gaussian elimination with partial pivoting, recording the row swaps in
// piv. It reports false when a pivot is zero or not finite (a singular or
// poisoned matrix); a is then unusable.
func luFactor(a []float64, n int, piv []int) bool {
	for k := 0; k < n; k++ {
		// pivot: largest |a[i][k]| for i ≥ k
		p, pmax := k, math.Abs(a[k*n+k])
		for i := k + 1; i < n; i++ {
			if v := math.Abs(a[i*n+k]); v > pmax {
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

// luSolve overwrites b with the solution of a·x = b, where a and piv come
// from luFactor.
func luSolve(a []float64, n int, piv []int, b []float64) {
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

// luFactorC is luFactor for complex matrices.
func luFactorC(a []complex128, n int, piv []int) bool {
	for k := 0; k < n; k++ {
		p, pmax := k, cabs1(a[k*n+k])
		for i := k + 1; i < n; i++ {
			if v := cabs1(a[i*n+k]); v > pmax {
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
		if cmplx.IsNaN(inv) || cmplx.IsInf(inv) {
			return false
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

// luSolveC is luSolve for complex matrices.
func luSolveC(a []complex128, n int, piv []int, b []complex128) {
	for k := 0; k < n; k++ {
		if p := piv[k]; p != k {
			b[k], b[p] = b[p], b[k]
		}
	}
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

// cabs1 is |re| + |im|, the cheap modulus LINPACK pivots on.
func cabs1(z complex128) float64 { return math.Abs(real(z)) + math.Abs(imag(z)) }
