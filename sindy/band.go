package sindy

import "math"

// band is a symmetric positive definite band matrix of order n and
// half-bandwidth k, stored by rows of its lower triangle: element (i, j),
// i−k ≤ j ≤ i, is a[i*(k+1)+j−i+k].
type band struct {
	n, k int
	a    []float64
}

func newBand(n, k int) *band { return &band{n: n, k: k, a: make([]float64, n*(k+1))} }

func (b *band) at(i, j int) *float64 { return &b.a[i*(b.k+1)+j-i+b.k] }

// add adds v to element (i, j) and, by symmetry, (j, i); needs |i−j| ≤ k.
func (b *band) add(i, j int, v float64) {
	if j > i {
		i, j = j, i
	}
	*b.at(i, j) += v
}

// cholesky factors the matrix in place into L·Lᵀ; false if it is not
// numerically positive definite.
func (b *band) cholesky() bool {
	k := b.k
	for i := range b.n {
		for j := max(0, i-k); j <= i; j++ {
			s := *b.at(i, j)
			for l := max(0, i-k); l < j; l++ {
				s -= *b.at(i, l) * *b.at(j, l)
			}
			if i == j {
				if !(s > 0) {
					return false
				}
				*b.at(i, i) = math.Sqrt(s)
			} else {
				*b.at(i, j) = s / *b.at(j, j)
			}
		}
	}
	return true
}

// solve overwrites x with the solution of L·Lᵀ·x = x after cholesky.
func (b *band) solve(x []float64) {
	k := b.k
	for i := range b.n {
		s := x[i]
		for l := max(0, i-k); l < i; l++ {
			s -= *b.at(i, l) * x[l]
		}
		x[i] = s / *b.at(i, i)
	}
	for i := b.n - 1; i >= 0; i-- {
		s := x[i]
		for l := i + 1; l <= min(b.n-1, i+k); l++ {
			s -= *b.at(l, i) * x[l]
		}
		x[i] = s / *b.at(i, i)
	}
}
