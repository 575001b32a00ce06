package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckCommand(t *testing.T) {
	code, out, errs := run(t, "check", examplesNode)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"model Lorenz: ODE, 3 states", "model OU: SDE", "model Spring: Hamiltonian", "model Augmented: ODE, 5 states"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	dir := t.TempDir()
	bad := writeFile(t, dir, "bad.node", "model M {\n  state x = 1\n  x' = y\n}\n")
	code, _, errs = run(t, "check", examplesNode, bad)
	if code != 1 {
		t.Errorf("exit %d for a bad file, want 1", code)
	}
	if !strings.Contains(errs, bad+":3:8: undefined name y") || !strings.Contains(errs, "       ^") {
		t.Errorf("stderr:\n%s", errs)
	}
	if code, _, _ := run(t, "check"); code != 2 {
		t.Errorf("check without files: exit %d, want 2", code)
	}
	if code, _, _ := run(t, "check", filepath.Join(dir, "missing.node")); code != 1 {
		t.Errorf("missing file: exit %d, want 1", code)
	}
}
