package codegen

import (
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/dsl"
)

// TestHostileModelIsInert generates testdata/hostile.node, whose comments
// hold Go code and whose names are Go keywords, predeclared names and
// names of generated methods and locals. The output must contain none of
// the comments' text, import nothing unexpected and rename colliding
// accessors. (TestEndToEnd also compiles it and checks it against the
// interpreter.)
func TestHostileModelIsInert(t *testing.T) {
	src, err := os.ReadFile("testdata/hostile.node")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := dsl.Compile("hostile.node", src)
	if err != nil {
		t.Fatal(err)
	}
	out, err := Go(prog, &Options{Package: "p", Source: "dir/x\n*/ import \"os\" /*.node"})
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, bad := range []string{"os.Exit", "Evil", "evil", `"os"`, "*/", "/*"} {
		if strings.Contains(s, bad) {
			t.Errorf("generated code contains %q", bad)
		}
	}
	f, err := parser.ParseFile(token.NewFileSet(), "x.go", out, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	if !ast.IsGenerated(f) {
		t.Error("header not recognised by ast.IsGenerated")
	}
	allowed := map[string]bool{"math": true, "github.com/nodekit/nodekit/runtime/ode": true, "github.com/nodekit/nodekit/runtime/sde": true, "github.com/nodekit/nodekit/runtime/nn": true}
	for _, imp := range f.Imports {
		p, _ := strconv.Unquote(imp.Path.Value)
		if !allowed[p] {
			t.Errorf("unexpected import %s", p)
		}
	}
	// Only one package-level function besides methods: the constructor.
	methods := map[string]bool{}
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok {
			if fd.Recv == nil && fd.Name.Name != "NewFunc" {
				t.Errorf("unexpected function %s", fd.Name.Name)
			}
			if fd.Recv != nil {
				if methods[fd.Name.Name] {
					t.Errorf("method %s declared twice", fd.Name.Name)
				}
				methods[fd.Name.Name] = true
			}
		}
	}
	for _, want := range []string{"Func", "Type", "SetType", "DimParam", "SetDimParam", "FuncParam", "X", "SetX", "SetXParam", "SetSetXParam", "X_p", "Nil", "Len", "M", "Th", "V3", "Return"} {
		if !methods[want] {
			t.Errorf("no method %s", want)
		}
	}
}

// TestInvalidNamesRejected feeds names the parser would never produce
// straight into the IR: the generator itself refuses them.
func TestInvalidNamesRejected(t *testing.T) {
	const src = `model M {
    param k = 1
    state x = 1
    net U = mlp(x; hidden = [2], act = tanh, out = 1)
    output o = x
    x' = -k*x + U[0]
}`
	hostile := []string{`A"; panic(0) //`, "x y", "x\n", "", "é", "a.b", "*/", "1x"}
	for _, name := range hostile {
		for _, where := range []string{"model", "param", "state", "output", "net"} {
			prog, err := dsl.Compile("m.node", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			m := prog.Models[0]
			switch where {
			case "model":
				m.Name = name
			case "param":
				m.Params[0].Name = name
			case "state":
				m.States[0].Name = name
			case "output":
				m.Outputs[0].Name = name
			case "net":
				m.Nets[0].Name = name
			}
			out, err := Go(prog, nil)
			if !errors.Is(err, ErrIdentifier) {
				t.Errorf("%s name %q: err = %v, want ErrIdentifier (output %d bytes)", where, name, err, len(out))
			}
		}
	}
	prog, _ := dsl.Compile("m.node", []byte(src))
	prog.Models[0].Nets[0].Act = `tanh"); os.Exit(1); ("`
	if _, err := Go(prog, nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("hostile activation: err = %v, want ErrUnsupported", err)
	}
	for _, pkg := range []string{"func", "math", "nil", "a-b", "ode", "_", "x\ny"} {
		prog, _ := dsl.Compile("m.node", []byte(src))
		if _, err := Go(prog, &Options{Package: pkg}); !errors.Is(err, ErrIdentifier) {
			t.Errorf("package %q: err = %v, want ErrIdentifier", pkg, err)
		}
	}
	if _, err := Go(prog, &Options{Models: []string{"Nope"}}); !errors.Is(err, ErrNoModel) {
		t.Errorf("unknown model: err = %v", err)
	}
	// Two models whose type and constructor names collide.
	prog2, err := dsl.Compile("m.node", []byte("model Foo {\n state x = 1\n x' = -x\n}\nmodel NewFoo {\n state x = 1\n x' = -x\n}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Go(prog2, nil); !errors.Is(err, ErrIdentifier) {
		t.Errorf("colliding models: err = %v, want ErrIdentifier", err)
	}
}

func TestNumber(t *testing.T) {
	for _, tc := range []struct {
		v    float64
		want string
	}{
		{1, "1"}, {-2.5, "(-2.5)"}, {8.0 / 3, "2.6666666666666665"}, {1e-300, "1e-300"},
		{math.Inf(1), "math.Inf(1)"}, {math.Inf(-1), "math.Inf(-1)"}, {math.NaN(), "math.NaN()"},
		{math.Copysign(0, -1), "math.Copysign(0, -1)"}, {5e-324, "5e-324"},
	} {
		if got := number(tc.v); got != tc.want {
			t.Errorf("number(%v) = %s, want %s", tc.v, got, tc.want)
		}
	}
	// Every finite literal round-trips exactly.
	for _, v := range []float64{0.1, 1.0 / 3, 6.02214076e23, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		s := strings.Trim(number(v), "()")
		if back, err := strconv.ParseFloat(s, 64); err != nil || back != v {
			t.Errorf("%v → %s → %v", v, s, back)
		}
	}
}
