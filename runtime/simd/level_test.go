package simd

import (
	"errors"
	"testing"
)

func TestLevels(t *testing.T) {
	ls := Levels()
	if ls[0] != Generic {
		t.Fatalf("Levels()[0] = %v, want generic", ls[0])
	}
	if Best() != ls[len(ls)-1] {
		t.Errorf("Best() = %v, want %v", Best(), ls[len(ls)-1])
	}
	if !asmBuild && Supported(AVX2) {
		t.Error("AVX2 supported in a build without assembly")
	}
	prev := Level()
	defer func() { _ = SetLevel(prev) }()
	for _, l := range ls {
		if err := SetLevel(l); err != nil || Level() != l {
			t.Errorf("SetLevel(%v) = %v, Level() = %v", l, err, Level())
		}
	}
	if err := SetLevel(ISA(200)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("SetLevel(200) = %v, want ErrUnsupported", err)
	}
	if s := ISA(200).String(); s != "ISA(200)" {
		t.Errorf("ISA(200).String() = %q", s)
	}
}

func TestEnvForcesGeneric(t *testing.T) {
	prev := Level()
	defer func() { _ = SetLevel(prev) }()
	t.Setenv(EnvVar, " Generic ")
	detect()
	if Level() != Generic {
		t.Errorf("%s=generic: Level() = %v", EnvVar, Level())
	}
	t.Setenv(EnvVar, "no-such-level")
	detect()
	if Level() != Best() {
		t.Errorf("%s=no-such-level: Level() = %v, want best %v", EnvVar, Level(), Best())
	}
	t.Setenv(EnvVar, "")
	detect()
	if Level() != Best() {
		t.Errorf("unset: Level() = %v, want %v", Level(), Best())
	}
}

// TestNoAllocs proves the kernels allocate nothing per call (Gemm with its
// packing pool warm) at every level.
func TestNoAllocs(t *testing.T) {
	x, y := randSlice(1000, 1), randSlice(1000, 2)
	a, b, c := randSlice(100*90, 3), randSlice(100*90, 4), make([]float64, 100*80)
	z, out, bias := randSlice(20*50, 5), make([]float64, 20*50), randSlice(50, 6)
	forEachLevel(t, func(t *testing.T) {
		kernels := map[string]func(){
			"Dot":   func() { sink = Dot(x, y) },
			"Axpy":  func() { Axpy(1e-9, x, y) },
			"Scal":  func() { Scal(1, x) },
			"Gemv":  func() { Gemv(30, 33, 1, a, 33, x, 0.5, y) },
			"GemvT": func() { GemvT(30, 33, 1, a, 33, x, 0.5, y) },
			"Gemm": func() {
				Gemm(false, true, 100, 80, 90, 1, a, 90, b, 90, 0, c, 80)
				Gemm(true, false, 90, 80, 100, 1, a, 90, b, 80, 1, c, 80)
			},
			"GemmSmall": func() { // every loop order, with and without copies
				Gemm(false, true, 20, 50, 2, 1, a, 2, b, 2, 0, c, 50)
				Gemm(false, true, 20, 2, 50, 1, a, 50, b, 50, 0, c, 2)
				Gemm(false, false, 20, 2, 50, 1, a, 50, b, 2, 0, c, 2)
				Gemm(true, false, 50, 2, 20, 1, a, 50, b, 2, 1, c, 2)
				Gemm(true, true, 20, 2, 50, 1, a, 20, b, 50, 0, c, 2)
			},
			"BiasActReLU":    func() { BiasAct(ReLU, bias, z, out, 20, 50) },
			"BiasActTanh":    func() { BiasAct(Tanh, bias, z, out, 20, 50) },
			"ActBackwardELU": func() { ActBackward(ELU, z, out, y, y[:1000]) },
			"ActBackwardTanh": func() {
				ActBackward(Tanh, z, out, y, y[:1000])
			},
		}
		for name, f := range kernels {
			f() // warm the Gemm pool
			if n := testing.AllocsPerRun(20, f); n != 0 && !raceEnabled {
				t.Errorf("%s: %v allocations per call", name, n)
			}
		}
	})
}
