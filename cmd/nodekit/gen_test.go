package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nodekit/nodekit/codegen"
	"github.com/nodekit/nodekit/dsl"
)

const genModels = `model Lorenz {
    param sigma = 10, rho = 28, beta = 8/3
    state x = 1, y = 1, z = 1
    x' = sigma*(y - x)
    y' = x*(rho - z) - y
    z' = x*y - beta*z
}

model Decay {
    param k = 0.5
    state u = 1
    u' = -k*u
}
`

func runGenCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = dispatch(append([]string{"gen"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

func TestGenCommand(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "models.node")
	if err := os.WriteFile(file, []byte(genModels), 0o644); err != nil {
		t.Fatal(err)
	}
	prog, err := dsl.Compile("models.node", []byte(genModels))
	if err != nil {
		t.Fatal(err)
	}

	// Standard output, every model, package main by default.
	t.Setenv("GOPACKAGE", "")
	code, out, errs := runGenCmd(t, file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want, err := codegen.Go(prog, &codegen.Options{Package: "main", Source: "models.node"})
	if err != nil {
		t.Fatal(err)
	}
	if out != string(want) {
		t.Error("stdout differs from codegen.Go")
	}

	// -o, -pkg and -model.
	dst := filepath.Join(dir, "lorenz_gen.go")
	code, out, errs = runGenCmd(t, "-o", dst, "-pkg", "lorenz", "-model", "Lorenz", file)
	if code != 0 || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %s", code, out, errs)
	}
	got, err := os.ReadFile(dst)
	if err != nil {
		t.Fatal(err)
	}
	want, err = codegen.Go(prog, &codegen.Options{Package: "lorenz", Source: "models.node", Models: []string{"Lorenz"}})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("-o file differs from codegen.Go")
	}
	if strings.Contains(string(got), "Decay") {
		t.Error("-model Lorenz also generated Decay")
	}

	// $GOPACKAGE (set by go generate) is the default package.
	t.Setenv("GOPACKAGE", "fromenv")
	_, out, _ = runGenCmd(t, "-model", "Decay", file)
	if !strings.Contains(out, "\npackage fromenv\n") {
		t.Error("GOPACKAGE not used as the default package name")
	}
}

func TestGenCommandErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.node")
	bad := filepath.Join(dir, "bad.node")
	os.WriteFile(good, []byte(genModels), 0o644)
	os.WriteFile(bad, []byte("model M {\n    state x = 1\n    x' = undefined_name\n}\n"), 0o644)
	for _, tc := range []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"help", []string{"--help"}, 0, "usage: nodekit gen"},
		{"no file", nil, 2, "want exactly one FILE"},
		{"two files", []string{good, good}, 2, "want exactly one FILE"},
		{"bad flag", []string{"-nope", good}, 2, "flag provided but not defined"},
		{"model error", []string{bad}, 1, "bad.node:3:"},
		{"missing file", []string{filepath.Join(dir, "none.node")}, 1, "none.node"},
		{"unknown model", []string{"-model", "Nope", good}, 1, "no such model"},
		{"bad package", []string{"-pkg", "func", good}, 1, "invalid or colliding identifier"},
		{"unwritable output", []string{"-o", filepath.Join(dir, "no", "such", "dir", "x.go"), good}, 1, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errs := runGenCmd(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %s)", code, tc.code, errs)
			}
			if out != "" {
				t.Errorf("stdout not empty: %q", out)
			}
			if !strings.Contains(errs, tc.msg) {
				t.Errorf("stderr %q does not mention %q", errs, tc.msg)
			}
		})
	}
	// A failed generation leaves no file behind.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".nodekit-gen-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
