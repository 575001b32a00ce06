package sde

import (
	"math"
	"math/rand/v2"
	"sort"
	"testing"
)

func TestQuantilesMatchSort(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 5))
	qs := []float64{0, 0.05, 0.5, 0.95, 1}
	for _, n := range []int{1, 2, 3, 10, 101, 1000} {
		for trial := 0; trial < 5; trial++ {
			x := make([]float64, n)
			for i := range x {
				x[i] = math.Round(r.NormFloat64() * 3) // ties included
			}
			s := append([]float64(nil), x...)
			sort.Float64s(s)
			got := make([]float64, len(qs))
			quantiles(x, qs, got)
			for k, q := range qs {
				pos := q * float64(n-1)
				i := int(math.Floor(pos))
				want := s[i]
				if i+1 < n {
					want += (pos - float64(i)) * (s[i+1] - s[i])
				}
				if math.Abs(got[k]-want) > 1e-12 {
					t.Fatalf("n=%d q=%g: got %g, want %g", n, q, got[k], want)
				}
			}
		}
	}
}
