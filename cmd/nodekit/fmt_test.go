package main

import (
	"os"
	"strings"
	"testing"
)

func TestFmtCommand(t *testing.T) {
	dir := t.TempDir()
	src := "model M{ param a=1 // keep\n state x=1\n x'=-a*(x)\n}\n"
	want := "model M {\n    param a = 1 // keep\n    state x = 1\n    x' = -a*x\n}\n"
	p := writeFile(t, dir, "m.node", src)
	code, out, errs := run(t, "fmt", p)
	if code != 0 || out != want {
		t.Fatalf("exit %d, stdout\n%s\nwant\n%s\nstderr %s", code, out, want, errs)
	}
	if code, out, _ := run(t, "fmt", "-l", p); code != 0 || strings.TrimSpace(out) != p {
		t.Errorf("fmt -l: exit %d, %q", code, out)
	}
	if code, _, errs := run(t, "fmt", "-w", p); code != 0 {
		t.Fatalf("fmt -w: exit %d: %s", code, errs)
	}
	got, _ := os.ReadFile(p)
	if string(got) != want {
		t.Errorf("after -w:\n%s", got)
	}
	if code, out, _ := run(t, "fmt", "-l", p); code != 0 || out != "" {
		t.Errorf("formatted file still listed: %q", out)
	}
	bad := writeFile(t, dir, "bad.node", "model M {\n  x' = (1 +\n}\n")
	if code, _, errs := run(t, "fmt", bad); code != 1 || !strings.Contains(errs, "bad.node:3:1") {
		t.Errorf("bad file: exit %d, %s", code, errs)
	}
	// The examples are already canonical up to comment spacing: fmt twice is stable.
	code, once, _ := run(t, "fmt", examplesNode)
	if code != 0 {
		t.Fatal("fmt examples failed")
	}
	p2 := writeFile(t, dir, "once.node", once)
	if _, twice, _ := run(t, "fmt", p2); twice != once {
		t.Error("fmt is not idempotent on the examples")
	}
}
