package codegen

import (
	"errors"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/nodekit/nodekit/dsl"
)

// TestHostileModelIsInert generates testdata/hostile.node, whose comments
// hold Go code and whose names are Go keywords, predeclared names and
// names of generated methods and locals. The output must contain none of
// the comments' text, import nothing unexpected and rename colliding
// parameter fields. (TestEndToEnd also compiles it and checks it against the
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
	allowed := map[string]bool{"math": true, "unsafe": true, "github.com/nodekit/nodekit/runtime/ode": true, "github.com/nodekit/nodekit/runtime/sde": true, "github.com/nodekit/nodekit/runtime/nn": true, "github.com/nodekit/nodekit/runtime/simd": true}
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
	fields := structFields(t, f, "Func")
	want := []string{"Type", "DimParam", "FuncParam", "X", "SetX", "X_p", "Nil", "Len", "M", "Th", "V3", "Return"}
	if diff := cmp.Diff(want, fields); diff != "" {
		t.Errorf("parameter fields (-want +got):\n%s", diff)
	}
	for _, name := range fields {
		if methods[name] {
			t.Errorf("field %s collides with a method", name)
		}
	}
}

// structFields returns the exported field names of type typ in f, in
// order.
func structFields(t *testing.T, f *ast.File, typ string) []string {
	t.Helper()
	var names []string
	found := false
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != typ {
			return true
		}
		found = true
		for _, fl := range ts.Type.(*ast.StructType).Fields.List {
			for _, id := range fl.Names {
				if id.IsExported() {
					names = append(names, id.Name)
				}
			}
		}
		return false
	})
	if !found {
		t.Fatalf("no type %s", typ)
	}
	return names
}

// TestFieldCollisions: parameters and nets whose upper-cased names
// collide with generated methods or with each other get suffixes.
func TestFieldCollisions(t *testing.T) {
	const src = `model M {
    param params = 1, dim = 2, u = 3, clone = 4, cloneParam = 5
    param w = [1, 2, 3]
    state x = 1
    net U = mlp(x; hidden = [2], act = tanh, out = 1)
    net jac = mlp(x; hidden = [2], act = tanh, out = 1)
    x' = -params*x + dim + u + clone + cloneParam + w[2] + U[0] + jac[0]
}`
	prog, err := dsl.Compile("m.node", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	out, err := Go(prog, &Options{Package: "p"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), "m.go", out, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ParamsParam", "DimParam", "U", "CloneParam", "CloneParamParam", "W", "UNet", "JacNet"}
	if diff := cmp.Diff(want, structFields(t, f, "M")); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	if err := typeCheckLayout(t, out, "M", nil); err != nil {
		t.Errorf("layout assertions: %v", err)
	}
}

// typeCheckLayout type-checks the generated struct type typ and its
// layout assertions (the constant block that uses unsafe.Offsetof), after
// edit has changed the struct's field list; the unexported fields are
// dropped so that nothing but package unsafe is needed.
func typeCheckLayout(t *testing.T, src []byte, typ string, edit func(fl *ast.FieldList)) error {
	t.Helper()
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "x.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	var decls []ast.Decl
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok {
			continue
		}
		switch gd.Tok {
		case token.TYPE:
			ts := gd.Specs[0].(*ast.TypeSpec)
			if ts.Name.Name != typ {
				continue
			}
			st := ts.Type.(*ast.StructType)
			var keep []*ast.Field
			for _, fl := range st.Fields.List {
				if fl.Names[0].IsExported() {
					keep = append(keep, fl)
				}
			}
			st.Fields.List = keep
			if edit != nil {
				edit(st.Fields)
			}
			decls = append(decls, gd)
		case token.CONST:
			decls = append(decls, gd)
		}
	}
	if len(decls) != 2 {
		t.Fatalf("found %d of the type and layout declarations, want 2", len(decls))
	}
	mini := &ast.File{Name: ast.NewIdent("p"), Decls: append([]ast.Decl{&ast.GenDecl{Tok: token.IMPORT, Specs: []ast.Spec{
		&ast.ImportSpec{Path: &ast.BasicLit{Kind: token.STRING, Value: strconv.Quote("unsafe")}},
	}}}, decls...)}
	_, err = (&types.Config{Importer: importer.Default()}).Check("p", fset, []*ast.File{mini}, nil)
	return err
}

// TestLayoutAssertions shows that the generated layout assertions catch
// every way the parameter fields can stop lining up with Params:
// reordered fields, padding between them, a shorter or longer array.
func TestLayoutAssertions(t *testing.T) {
	out := generateFile(t, filepath.Join("testdata", "lotkavolterra.node"), "p")
	if err := typeCheckLayout(t, out, "LotkaVolterraUDE", nil); err != nil {
		t.Fatalf("unchanged layout: %v", err)
	}
	f64 := func() ast.Expr { return ast.NewIdent("float64") }
	for name, edit := range map[string]func(fl *ast.FieldList){
		"swapped": func(fl *ast.FieldList) { fl.List[0], fl.List[1] = fl.List[1], fl.List[0] },
		"padding": func(fl *ast.FieldList) {
			pad := &ast.Field{Names: []*ast.Ident{ast.NewIdent("pad")}, Type: f64()}
			fl.List = append(fl.List[:2], append([]*ast.Field{pad}, fl.List[2:]...)...)
		},
		"dropped field": func(fl *ast.FieldList) { fl.List = append(fl.List[:1], fl.List[2:]...) },
		"short array": func(fl *ast.FieldList) {
			fl.List[2].Type.(*ast.ArrayType).Len = &ast.BasicLit{Kind: token.INT, Value: "56"}
		},
		"long array": func(fl *ast.FieldList) {
			fl.List[2].Type.(*ast.ArrayType).Len = &ast.BasicLit{Kind: token.INT, Value: "58"}
		},
	} {
		if err := typeCheckLayout(t, out, "LotkaVolterraUDE", edit); err == nil {
			t.Errorf("%s: layout assertions compile", name)
		} else if name != "dropped field" && !strings.Contains(err.Error(), "overflows") {
			t.Errorf("%s: unexpected error %v", name, err)
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
