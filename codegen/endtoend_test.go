package codegen

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/dsl"
)

// repoRoot finds the nodekit module root above the test's directory.
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && bytes.HasPrefix(b, []byte("module github.com/nodekit/nodekit\n")) {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("cannot find the nodekit module root")
		}
		dir = up
	}
}

// goCmd runs the go command in dir, offline, and returns its output.
func goCmd(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("go %s in %s: %v\n%s", strings.Join(args, " "), dir, err, out)
	}
	return string(out)
}

// TestEndToEnd builds the nodekit command, creates a throwaway module that
// runs it from //go:generate lines on every example model and on randomly
// generated ones, and runs a test there that checks the generated code
// against the interpreter (package dsl/eval) and finite differences.
func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a separate module")
	}
	root := repoRoot(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	goCmd(t, root, nil, "build", "-o", filepath.Join(bin, "nodekit"), "./cmd/nodekit")

	mod := filepath.Join(tmp, "e2e")
	if err := os.MkdirAll(mod, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		if err := os.WriteFile(filepath.Join(mod, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("go.mod", []byte(fmt.Sprintf("module example.com/e2e\n\ngo 1.26\n\nrequire github.com/nodekit/nodekit v0.0.0-00010101000000-000000000000\n\nreplace github.com/nodekit/nodekit => %s\n", root)))
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	write("go.sum", sum)

	var gen, cases bytes.Buffer
	gen.WriteString("package e2e\n\n")
	cases.WriteString("package e2e\n\nvar models = []model{\n")
	type file struct {
		name string
		src  []byte
	}
	var files []file
	for _, name := range goldenModels {
		src, err := os.ReadFile(filepath.Join("testdata", name+".node"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, file{name, src})
	}
	hostile, err := os.ReadFile(filepath.Join("testdata", "hostile.node"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, file{"hostile", hostile})
	files = append(files, file{"random", []byte(randomModels(rand.New(rand.NewPCG(2024, 5)), 40))})
	for _, f := range files {
		write(f.name+".node", f.src)
		fmt.Fprintf(&gen, "//go:generate nodekit gen -o %s_gen.go %s.node\n", f.name, f.name)
		prog, err := dsl.Compile(f.name+".node", f.src)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		for _, m := range prog.Models {
			ctor := "New" + exported(m.Name)
			fmt.Fprintf(&cases, "\t{%q, %q, %v, func() generated { return %s() }},\n", f.name+".node", m.Name, f.name != "random", ctor)
		}
	}
	cases.WriteString("}\n")
	write("gen.go", gen.Bytes())
	write("cases_test.go", cases.Bytes())
	check, err := os.ReadFile(filepath.Join("testdata", "e2e", "check_test.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	write("check_test.go", check)

	env := []string{
		"PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH"),
		"GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off",
	}
	goCmd(t, mod, env, "generate", "./...")

	// What go generate wrote is exactly what the package generates.
	for _, f := range files {
		got, err := os.ReadFile(filepath.Join(mod, f.name+"_gen.go"))
		if err != nil {
			t.Fatal(err)
		}
		prog, _ := dsl.Compile(f.name+".node", f.src)
		want, err := Go(prog, &Options{Package: "e2e", Source: f.name + ".node"})
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s_gen.go differs from codegen.Go's output", f.name)
		}
	}
	out := goCmd(t, mod, env, "test", "-count=1", "-v", "./...")
	if !strings.Contains(out, "--- PASS: TestGeneratedAgrees") || !strings.Contains(out, "--- PASS: TestSolve") {
		t.Fatalf("generated module's tests did not pass:\n%s", out)
	}
	if n := strings.Count(out, "    --- PASS: TestGeneratedAgrees/"); n < 41+len(goldenModels) {
		t.Errorf("only %d models checked:\n%s", n, out)
	}
}

// randomModels writes n random valid models: 1–4 states, 0–3 parameters,
// equations that are random expression trees over the states, the
// parameters and t using every operation of the language (with arguments
// kept in their domains so that values stay finite), some with diagonal,
// scalar or general noise, an output or a small net.
func randomModels(rng *rand.Rand, n int) string {
	var b strings.Builder
	for k := 0; k < n; k++ {
		ns := 1 + rng.IntN(4)
		np := rng.IntN(4)
		var leaves []string
		fmt.Fprintf(&b, "model R%d {\n", k)
		for i := 0; i < np; i++ {
			fmt.Fprintf(&b, "    param p%d = %s\n", i, num(rng))
			leaves = append(leaves, fmt.Sprintf("p%d", i))
		}
		for i := 0; i < ns; i++ {
			fmt.Fprintf(&b, "    state s%d = %s\n", i, num(rng))
			leaves = append(leaves, fmt.Sprintf("s%d", i), fmt.Sprintf("s%d", i))
		}
		leaves = append(leaves, "t")
		if k%5 == 3 && ns >= 2 {
			fmt.Fprintf(&b, "    net U = mlp(s0, s1*t; hidden = [3], act = %s, out = 2)\n", []string{"tanh", "softplus", "sigmoid"}[rng.IntN(3)])
			leaves = append(leaves, "U[0]", "U[1]")
		}
		for i := 0; i < ns; i++ {
			fmt.Fprintf(&b, "    s%d' = %s\n", i, randExpr(rng, leaves, 4))
		}
		switch {
		case k%4 == 1:
			fmt.Fprintf(&b, "    noise s0 = %s\n", randExpr(rng, leaves, 2))
		case k%8 == 2:
			// General (or additive) noise: two Wiener processes.
			fmt.Fprintf(&b, "    wiener w[2]\n")
			fmt.Fprintf(&b, "    noise s0 = (1.5 + sin(%s))*w[0] - %s*w[1]\n", randExpr(rng, leaves, 2), randExpr(rng, leaves, 2))
			if ns > 1 {
				fmt.Fprintf(&b, "    noise s%d = %s*w[1]/2\n", ns-1, randExpr(rng, leaves, 2))
			}
		case k%8 == 6:
			// Scalar (or additive) noise: one Wiener process for every state.
			fmt.Fprintf(&b, "    wiener w\n")
			for i := 0; i < ns; i++ {
				fmt.Fprintf(&b, "    noise s%d = (0.5 + sigmoid(%s))*w\n", i, randExpr(rng, leaves, 2))
			}
		}
		if k%3 == 2 {
			fmt.Fprintf(&b, "    output o = %s\n", randExpr(rng, leaves, 3))
		}
		b.WriteString("}\n\n")
	}
	return b.String()
}

func num(rng *rand.Rand) string {
	return fmt.Sprintf("%.3g", 0.2+1.5*rng.Float64())
}

func randExpr(rng *rand.Rand, leaves []string, depth int) string {
	if depth == 0 || rng.IntN(4) == 0 {
		if rng.IntN(5) == 0 {
			return num(rng)
		}
		return leaves[rng.IntN(len(leaves))]
	}
	e := func() string { return randExpr(rng, leaves, depth-1) }
	switch rng.IntN(24) {
	case 0:
		return "(" + e() + " + " + e() + ")"
	case 1:
		return "(" + e() + " - " + e() + ")"
	case 2:
		return "(" + e() + " * " + e() + ")"
	case 3:
		x := e()
		return "(" + e() + " / (1.5 + sin(" + x + ")))"
	case 4:
		return "-" + e()
	case 5:
		return "(" + e() + ")^2"
	case 6:
		return "pow(1.5 + cos(" + e() + "), sin(" + e() + "))"
	case 7:
		return "sin(" + e() + ")"
	case 8:
		return "cos(" + e() + ")"
	case 9:
		return "tan(0.5*sin(" + e() + "))"
	case 10:
		return "exp(sin(" + e() + "))"
	case 11:
		x := e()
		return "log(1 + " + x + "*" + x + ")"
	case 12:
		x := e()
		return "sqrt(1 + " + x + "^2)"
	case 13:
		return "abs(" + e() + ")"
	case 14:
		return "tanh(" + e() + ")"
	case 15:
		return "sigmoid(" + e() + ")"
	case 16:
		return "softplus(" + e() + ")"
	case 17:
		return "relu(" + e() + ")"
	case 18:
		return "min(" + e() + ", " + e() + ")"
	case 19:
		return "max(" + e() + ", " + e() + ")"
	case 20:
		return "ifelse(" + e() + ", " + e() + ", " + e() + ")"
	case 21:
		op := []string{"<", "<=", ">", ">=", "==", "!="}[rng.IntN(6)]
		return "(" + e() + " " + op + " " + e() + ")"
	case 22:
		return "(" + e() + ")^3"
	default:
		return "pow(" + e() + ", 2)"
	}
}
