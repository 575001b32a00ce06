package xmath

import (
	"bufio"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The slow path is the reference: 240-bit log and exp, rounded once.
func TestPowCorrectlyRounded(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ys := []float64{0.2 - 0.75*0.04, 0.04, 1.0 / 8, 0.2, -0.25, 1.0 / 3}
	n := 40000
	if os.Getenv("XMATH_LONG") != "" {
		n = 400000
	}
	if testing.Short() {
		n = 5000
	}
	mism, slow := 0, 0
	for i := 0; i < n; i++ {
		var x, y float64
		switch i % 3 {
		case 0: // the step-size controller's range
			x = math.Pow(10, -6+9*rng.Float64())
			y = ys[i%len(ys)]
		case 1:
			x = math.Pow(10, -6+9*rng.Float64())
			y = -2 + 4*rng.Float64()
		default: // anywhere the result stays normal
			x = math.Exp(-600 + 1200*rng.Float64())
			y = (-1 + 2*rng.Float64()) * 600 / math.Abs(math.Log(x))
		}
		got, want := Pow(x, y), powSlow(x, y)
		if got != want {
			mism++
			if mism < 5 {
				t.Errorf("Pow(%v, %v) = %v, want %v", x, y, got, want)
			}
		}
		if math.Pow(x, y) != want {
			slow++
		}
	}
	t.Logf("%d inputs: %d mismatches; math.Pow differs from the correctly rounded value on %d", n, mism, slow)
}

func TestPowSpecialCases(t *testing.T) {
	vals := []float64{0, math.Copysign(0, -1), 1, -1, -2, 2, 0.5, math.Inf(1), math.Inf(-1), math.NaN(),
		math.MaxFloat64, math.SmallestNonzeroFloat64, 0x1p-1030}
	for _, x := range vals {
		for _, y := range vals {
			got, want := Pow(x, y), math.Pow(x, y)
			if !(got == want || math.IsNaN(got) && math.IsNaN(want)) || math.Signbit(got) != math.Signbit(want) {
				t.Errorf("Pow(%v, %v) = %v, math.Pow gives %v", x, y, got, want)
			}
		}
	}
	// exact cases stay exact; results that overflow or underflow go to math.Pow
	for _, c := range [][3]float64{{3, 2, 9}, {3, 3, 27}, {2, 0.5, math.Sqrt2}, {0.5, -2.5, powSlow(0.5, -2.5)},
		{10, 400, math.Inf(1)}, {10, -400, 0}, {1e-300, 2, 0}, {4, 0.5, 2}} {
		if got := Pow(c[0], c[1]); got != c[2] {
			t.Errorf("Pow(%v, %v) = %v, want %v", c[0], c[1], got, c[2])
		}
	}
}

// TestPowMatchesGlibc compares with the C library's pow, which the
// reference ODE codes use, when a C compiler is available: glibc's pow is
// accurate to about 0.52 ulp, so it may differ from ours only where it is
// the one that is off.
func TestPowMatchesGlibc(t *testing.T) {
	cc, err := exec.LookPath("gcc")
	if err != nil {
		t.Skip("no gcc")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "pw.c")
	prog := `#include <stdio.h>
#include <math.h>
int main(void) { double x, y; while (scanf("%la %la", &x, &y) == 2) printf("%a\n", pow(x, y)); return 0; }`
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "pw")
	if out, err := exec.Command(cc, "-O2", "-o", bin, src, "-lm").CombinedOutput(); err != nil {
		t.Skipf("gcc failed: %v\n%s", err, out)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var in strings.Builder
	var xs, ys []float64
	for i := 0; i < 50000; i++ {
		x := math.Pow(10, -8+10*rng.Float64())
		y := []float64{0.17, 0.04, 0.125}[i%3]
		xs, ys = append(xs, x), append(ys, y)
		fmt.Fprintf(&in, "%s %s\n", strconv.FormatFloat(x, 'x', -1, 64), strconv.FormatFloat(y, 'x', -1, 64))
	}
	cmd := exec.Command(bin)
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	i, diff, diffStd := 0, 0, 0
	for sc.Scan() {
		c, err := strconv.ParseFloat(sc.Text(), 64)
		if err != nil {
			t.Fatal(err)
		}
		if got := Pow(xs[i], ys[i]); got != c {
			diff++
			// where the two differ, ours must be the correctly rounded one
			if want := powSlow(xs[i], ys[i]); got != want {
				t.Errorf("Pow(%x, %x) = %x, the C library gives %x, correctly rounded is %x", xs[i], ys[i], got, c, want)
			}
		}
		if math.Pow(xs[i], ys[i]) != c {
			diffStd++
		}
		i++
	}
	if i != len(xs) {
		t.Fatalf("read %d results for %d inputs", i, len(xs))
	}
	t.Logf("%d inputs: xmath.Pow differs from the C library on %d (each time the C library misrounds), math.Pow on %d", i, diff, diffStd)
	if diff > i/200 {
		t.Errorf("xmath.Pow differs from the C library's pow on %d of %d inputs", diff, i)
	}
}

var sink float64

func BenchmarkPow(b *testing.B) {
	x := 0.00123
	b.Run("xmath", func(b *testing.B) {
		for b.Loop() {
			sink += Pow(x, 0.17)
			x += 1e-9
		}
	})
	b.Run("math", func(b *testing.B) {
		for b.Loop() {
			sink += math.Pow(x, 0.17)
			x += 1e-9
		}
	})
}

func TestLogOfPow(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for i := 0; i < 2000; i++ {
		x := math.Pow(10, -8+12*rng.Float64())
		l := LogOf(x)
		for _, y := range []float64{0.17, 0.04, -1.5, 3} {
			if got, want := l.Pow(y), Pow(x, y); got != want {
				t.Fatalf("LogOf(%v).Pow(%v) = %v, Pow gives %v", x, y, got, want)
			}
		}
	}
	if got := LogOf(0).Pow(0.17); got != 0 {
		t.Errorf("LogOf(0).Pow(0.17) = %v, want 0", got)
	}
}

// TestFastPathErrorBound measures the fast path's relative error against
// the 240-bit evaluation: it must stay well inside the bound Ziv's test
// assumes (fastBound), or Pow could return a wrongly rounded result.
func TestFastPathErrorBound(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	worst := 0.0
	n := 6000
	if testing.Short() {
		n = 1000
	}
	for i := 0; i < n; i++ {
		var x, y float64
		switch i % 3 {
		case 0:
			x = math.Pow(10, -6+9*rng.Float64())
			y = []float64{0.17, 0.04, 0.125, -0.25}[i%4]
		case 1:
			x = math.Pow(10, -6+9*rng.Float64())
			y = -2 + 4*rng.Float64()
		default:
			x = math.Exp(-600 + 1200*rng.Float64())
			y = (-1 + 2*rng.Float64()) * 600 / math.Abs(math.Log(x))
		}
		lh, ll := logDD(x)
		zh := y * lh
		zl := math.FMA(y, lh, -zh) + y*ll
		if !(zh > -708 && zh < 709) {
			continue
		}
		r, rl, scale := expDD(zh, zl)
		z := bigLog(newBig(x))
		z.Mul(z, newBig(y))
		exact := bigExp(z)
		d := new(big.Float).SetPrec(bigPrec).Add(newBig(r), newBig(rl))
		d.Mul(d, newBig(scale))
		d.Sub(d, exact)
		d.Quo(d, exact)
		rel, _ := d.Float64()
		worst = math.Max(worst, math.Abs(rel)/(1+math.Abs(y)))
	}
	t.Logf("largest relative error / (1+|y|): 2^%.1f (Ziv's bound 2^%.1f)", math.Log2(worst), math.Log2(fastBound))
	if worst > fastBound/4 {
		t.Errorf("fast path error 2^%.1f·(1+|y|) is within a factor 4 of the bound 2^%.1f", math.Log2(worst), math.Log2(fastBound))
	}
}
