package main

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/internal/dataio"
)

const examplesNode = "../../dsl/testdata/examples.node"

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = dispatch(args, &o, &e)
	return code, o.String(), e.String()
}

func writeFile(t *testing.T, dir, name, src string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestSimLorenzCSV(t *testing.T) {
	dir := t.TempDir()
	csv := filepath.Join(dir, "lorenz.csv")
	png := filepath.Join(dir, "lorenz.png")
	code, _, errs := run(t, "sim", examplesNode, "-model", "Lorenz", "-t1", "1", "-n", "11",
		"-rtol", "1e-10", "-atol", "1e-10", "-set", "rho=20", "-set", "x=2", "-o", csv, "-plot", png)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	tab, err := dataio.ReadFile(csv)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tab.Header, ","); got != "t,x,y,z,radius" {
		t.Errorf("header %s", got)
	}
	if len(tab.Rows) != 11 {
		t.Fatalf("%d rows, want 11", len(tab.Rows))
	}
	if r := tab.Rows[0]; r[1] != 2 || r[2] != 1 || r[4] != math.Sqrt(5) {
		t.Errorf("first row %v: -set x=2 not applied or radius wrong", r)
	}
	// Reference: a hand-written RK4 with a small step, rho = 20.
	y := []float64{2, 1, 1}
	f := func(y, d []float64) {
		d[0] = 10 * (y[1] - y[0])
		d[1] = y[0]*(20-y[2]) - y[1]
		d[2] = y[0]*y[1] - 8.0/3*y[2]
	}
	const h = 1e-4
	k := [4][]float64{make([]float64, 3), make([]float64, 3), make([]float64, 3), make([]float64, 3)}
	tmp := make([]float64, 3)
	for s := 0; s < 10000; s++ {
		f(y, k[0])
		for i := range y {
			tmp[i] = y[i] + h/2*k[0][i]
		}
		f(tmp, k[1])
		for i := range y {
			tmp[i] = y[i] + h/2*k[1][i]
		}
		f(tmp, k[2])
		for i := range y {
			tmp[i] = y[i] + h*k[2][i]
		}
		f(tmp, k[3])
		for i := range y {
			y[i] += h / 6 * (k[0][i] + 2*k[1][i] + 2*k[2][i] + k[3][i])
		}
	}
	last := tab.Rows[10]
	for i := range y {
		if math.Abs(last[1+i]-y[i]) > 1e-6*(1+math.Abs(y[i])) {
			t.Errorf("state %d at t=1: %v, reference %v", i, last[1+i], y[i])
		}
	}
	if st, err := os.Stat(png); err != nil || st.Size() < 1000 {
		t.Errorf("plot not written: %v", err)
	}
}

func TestSimExamples(t *testing.T) {
	for _, name := range []string{"Lorenz", "Pendulum", "OU", "Spring", "LotkaVolterraUDE", "Spiral", "Augmented"} {
		code, out, errs := run(t, "sim", examplesNode, "-model", name, "-t1", "0.5", "-n", "6")
		if code != 0 {
			t.Errorf("%s: exit %d: %s", name, code, errs)
			continue
		}
		tab, err := dataio.ReadCSV(strings.NewReader(out), name)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(tab.Rows) != 6 {
			t.Errorf("%s: %d rows", name, len(tab.Rows))
		}
	}
}

func TestSimSDEPaths(t *testing.T) {
	code, out, errs := run(t, "sim", examplesNode, "-model", "OU", "-t1", "1", "-dt", "0.01", "-paths", "3", "-seed", "7")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	tab, err := dataio.ReadCSV(strings.NewReader(out), "ou")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tab.Header, ","); got != "path,t,x" {
		t.Errorf("header %s", got)
	}
	if len(tab.Rows) != 3*101 {
		t.Fatalf("%d rows, want 303", len(tab.Rows))
	}
	// Different paths differ; the same seed reproduces.
	if tab.Rows[100][2] == tab.Rows[201][2] {
		t.Error("paths 0 and 1 end at the same value")
	}
	_, again, _ := run(t, "sim", examplesNode, "-model", "OU", "-t1", "1", "-dt", "0.01", "-paths", "3", "-seed", "7")
	if again != out {
		t.Error("same seed gave a different result")
	}
}

func TestSimSymplectic(t *testing.T) {
	code, out, errs := run(t, "sim", examplesNode, "-model", "Spring", "-method", "leapfrog", "-t1", "6.283185307179586", "-dt", "0.001")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	tab, err := dataio.ReadCSV(strings.NewReader(out), "spring")
	if err != nil {
		t.Fatal(err)
	}
	last := tab.Rows[len(tab.Rows)-1]
	if math.Abs(last[1]-1) > 1e-5 || math.Abs(last[2]) > 1e-5 {
		t.Errorf("after one period (q, p) = (%v, %v), want (1, 0)", last[1], last[2])
	}
	if code, _, errs := run(t, "sim", examplesNode, "-model", "Pendulum", "-method", "leapfrog", "-dt", "0.1"); code != 1 || !strings.Contains(errs, "separable") {
		t.Errorf("leapfrog on a pendulum: exit %d: %s", code, errs)
	}
}

func TestSimErrors(t *testing.T) {
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"sim"}, 2, "no model file"},
		{[]string{"sim", examplesNode, "-model", "Nope"}, 1, "no model Nope"},
		{[]string{"sim", examplesNode, "-set", "rho"}, 2, "want name=number"},
		{[]string{"sim", examplesNode, "-set", "nope=1"}, 1, "no parameter or state"},
		{[]string{"sim", examplesNode, "-n", "5", "-dt", "0.1"}, 2, "exclusive"},
		{[]string{"sim", examplesNode, "-t0", "2", "-t1", "1"}, 2, "t0 < t1"},
		{[]string{"sim", examplesNode, "-method", "nope"}, 2, "nope"},
		{[]string{"sim", examplesNode, "-paths", "3"}, 2, "-paths is for SDE models"},
		{[]string{"sim", examplesNode, "-bogus"}, 2, "flag provided but not defined"},
		{[]string{"sim", examplesNode, "extra"}, 2, "unexpected arguments"},
		{[]string{"sim", examplesNode, "-plot", "x.jpg", "-o", os.DevNull}, 1, "want a .png"},
	} {
		code, _, errs := run(t, c.args...)
		if code != c.code || !strings.Contains(errs, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, errs, c.code, c.msg)
		}
	}
}

// TestSimSDEEnsemble: -paths runs SolvePaths; the statistics file has
// ordered quantiles, is reproducible for a seed, and the OU example
// (k = 0.7, mu = 1.5, s = 0.3) reaches its stationary law N(mu, s²/(2k)).
func TestSimSDEEnsemble(t *testing.T) {
	dir := t.TempDir()
	const paths = 4000
	sim := func(seed, name string) (traj, stats string) {
		traj = filepath.Join(dir, name+".csv")
		png := filepath.Join(dir, name+".png")
		code, _, errs := run(t, "sim", examplesNode, "-model", "OU", "-t1", "8", "-n", "81",
			"-paths", strconv.Itoa(paths), "-seed", seed, "-o", traj, "-plot", png)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errs)
		}
		if st, err := os.Stat(png); err != nil || st.Size() < 1000 {
			t.Errorf("fan chart not written: %v", err)
		}
		return traj, filepath.Join(dir, name+"_stats.csv")
	}
	traj, stats := sim("5", "a")
	tab, err := dataio.ReadFile(stats)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tab.Header, ","); got != "t,x_mean,x_q05,x_q50,x_q95" {
		t.Errorf("stats header %s", got)
	}
	if len(tab.Rows) != 81 {
		t.Fatalf("%d stats rows, want 81", len(tab.Rows))
	}
	for _, r := range tab.Rows[1:] {
		if !(r[2] <= r[3] && r[3] <= r[4]) || !(r[2] < r[1] && r[1] < r[4]) {
			t.Errorf("t=%g: quantiles not ordered around the mean: %v", r[0], r)
		}
	}
	// Every path is in the trajectory CSV; the stationary std at t = 8
	// (transient e^{-0.7·8} ≈ 4e-3) is s/√(2k) within sampling error.
	all, err := dataio.ReadFile(traj)
	if err != nil {
		t.Fatal(err)
	}
	if len(all.Rows) != paths*81 {
		t.Fatalf("%d trajectory rows, want %d", len(all.Rows), paths*81)
	}
	var s1, s2 float64
	for p := 0; p < paths; p++ {
		r := all.Rows[p*81+80]
		if r[0] != float64(p) || r[1] != 8 {
			t.Fatalf("row %d: path %v t %v", p*81+80, r[0], r[1])
		}
		s1 += r[2]
		s2 += r[2] * r[2]
	}
	mean := s1 / paths
	std := math.Sqrt(s2/paths - mean*mean)
	want := 0.3 / math.Sqrt(2*0.7)
	// Standard errors: mean σ/√N = 0.004, std σ/√(2N) = 0.0028; Euler with
	// h = 0.01 biases the variance by kh/2 = 0.35%.
	if math.Abs(std-want) > 4*want/math.Sqrt(2*paths)+0.002*want {
		t.Errorf("stationary std %.4f, want %.4f", std, want)
	}
	if m := 1.5 + (0-1.5)*math.Exp(-0.7*8); math.Abs(mean-m) > 4*want/math.Sqrt(paths) {
		t.Errorf("mean at t=8 %.4f, want %.4f", mean, m)
	}
	if math.Abs(tab.Rows[80][1]-mean) > 1e-12 {
		t.Errorf("stats mean %v, paths' mean %v", tab.Rows[80][1], mean)
	}
	// Reproducible for a seed, different for another.
	_, again := sim("5", "b")
	_, other := sim("6", "c")
	a, _ := os.ReadFile(stats)
	b, _ := os.ReadFile(again)
	c, _ := os.ReadFile(other)
	if !bytes.Equal(a, b) {
		t.Error("same seed gave different statistics")
	}
	if bytes.Equal(a, c) {
		t.Error("different seeds gave the same statistics")
	}
	// -stats is for SDE models only.
	if code, _, errs := run(t, "sim", examplesNode, "-model", "Lorenz", "-stats", filepath.Join(dir, "s.csv")); code != 2 || !strings.Contains(errs, "-stats is for SDE models") {
		t.Errorf("-stats on an ODE: exit %d, %s", code, errs)
	}
}
