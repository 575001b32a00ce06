package simd

import (
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"testing"

	"github.com/klauspost/cpuid/v2"
)

// TestMain honours cpuid's -cpu.disable flag (go test -args
// -cpu.disable=avx2,fma3), which hides CPU features from the dispatch.
func TestMain(m *testing.M) {
	cpuid.Flags()
	flag.Parse()
	cpuid.Detect()
	detect()
	os.Exit(m.Run())
}

// forEachLevel runs f once per level this machine supports, with that
// level selected, restoring the previous level afterwards.
func forEachLevel(t *testing.T, f func(t *testing.T)) {
	t.Helper()
	prev := Level()
	defer func() { _ = SetLevel(prev) }()
	for _, l := range Levels() {
		if err := SetLevel(l); err != nil {
			t.Fatal(err)
		}
		t.Run(l.String(), f)
	}
}

// guard is the sentinel stored around and between the logical elements of
// every test operand: a NaN with a payload no kernel produces, so any read
// of it poisons a result and any write to it is visible bit for bit.
var guardBits = uint64(0x7ff8_dead_beef_0001)

const guardLen = 37

// guarded returns a slice of n elements filled by fill, embedded in a
// larger backing array whose other elements (guardLen before and after)
// are the guard NaN. The slice's capacity ends at n.
func guarded(n int, fill func(i int) float64) (s, backing []float64) {
	backing = make([]float64, n+2*guardLen)
	g := math.Float64frombits(guardBits)
	for i := range backing {
		backing[i] = g
	}
	s = backing[guardLen : guardLen+n : guardLen+n]
	for i := range s {
		if fill != nil {
			s[i] = fill(i)
		}
	}
	return s, backing
}

// checkGuards fails if any element of backing outside [lo, hi) of s (in
// backing indices), or any element of s that isLogical rejects, lost its
// guard value.
func checkGuards(t *testing.T, name string, backing []float64, isLogical func(i int) bool) {
	t.Helper()
	for i, v := range backing {
		j := i - guardLen
		if j >= 0 && j < len(backing)-2*guardLen && isLogical(j) {
			continue
		}
		if math.Float64bits(v) != guardBits {
			t.Fatalf("%s: guard element %d (offset %d) overwritten with %v", name, i, j, v)
		}
	}
}

func all(int) bool { return true }

// matrix returns an r×c matrix with leading dimension ld in a guarded
// slice: the padding between rows also holds the guard.
func matrix(rng *rand.Rand, r, c, ld int) (a, backing []float64, logical func(int) bool) {
	n := 0
	if r > 0 {
		n = (r-1)*ld + c
	}
	a, backing = guarded(n, nil)
	for i := range r {
		for j := range c {
			a[i*ld+j] = rng.Float64()*2 - 1
		}
	}
	logical = func(i int) bool { return i%ld < c && i/ld < r }
	return a, backing, logical
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x51d)) }

// close reports whether got is within tol·scale of want (NaN only equals NaN).
func closeTo(got, want, scale, tol float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= tol*scale+1e-300
}

var tailSizes = func() []int {
	s := make([]int, 0, 40)
	for n := 0; n <= 33; n++ {
		s = append(s, n)
	}
	return append(s, 63, 64, 65, 127, 1000, 1027)
}()
