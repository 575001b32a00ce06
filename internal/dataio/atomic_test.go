package dataio

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Writing "atomically" to a device must not replace the device with a
// regular file (a test that wrote to os.DevNull as root did exactly that).
func TestWriteFileAtomicDevice(t *testing.T) {
	fi, err := os.Stat(os.DevNull)
	if err != nil || fi.Mode().IsRegular() {
		t.Skipf("%s is not a device here", os.DevNull)
	}
	if err := WriteFileAtomic(os.DevNull, func(w io.Writer) error {
		_, err := io.WriteString(w, "x,y\n1,2\n")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	fi, err = os.Stat(os.DevNull)
	if err != nil || fi.Mode().IsRegular() || fi.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s is no longer a device: %v %v", os.DevNull, fi.Mode(), err)
	}
}

func writeString(s string) func(io.Writer) error {
	return func(w io.Writer) error {
		_, err := io.WriteString(w, s)
		return err
	}
}

// Rewriting a file keeps its permissions (they used to become 0644, so
// `nodekit fmt -w` made a private file world-readable), and rewriting
// through a symbolic link replaces the file it points to (it used to
// replace the link, leaving the real file stale).
func TestWriteFileAtomicKeepsModeAndLinks(t *testing.T) {
	dir := t.TempDir()
	for _, perm := range []os.FileMode{0o600, 0o755} {
		p := filepath.Join(dir, "f"+perm.String())
		if err := os.WriteFile(p, []byte("old"), perm); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, perm); err != nil { // whatever the umask
			t.Fatal(err)
		}
		if err := WriteFileAtomic(p, writeString("new")); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != perm {
			t.Errorf("mode %v after rewrite, want %v (%v)", fi.Mode().Perm(), perm, err)
		}
	}
	real := filepath.Join(dir, "real.node")
	link := filepath.Join(dir, "link.node")
	if err := os.WriteFile(real, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real.node", link); err != nil {
		t.Skip(err)
	}
	if err := WriteFileAtomic(link, writeString("new")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("link replaced: %v %v", fi.Mode(), err)
	}
	if b, err := os.ReadFile(real); err != nil || string(b) != "new" {
		t.Errorf("target holds %q (%v), want new", b, err)
	}
	// New files are 0644; an error names the path asked for, not the
	// temporary file.
	fresh := filepath.Join(dir, "fresh.csv")
	if err := WriteFileAtomic(fresh, writeString("x")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v", fi.Mode().Perm())
	}
	bad := filepath.Join(dir, "missing", "out.csv")
	err := WriteFileAtomic(bad, writeString("x"))
	if err == nil || !strings.Contains(err.Error(), bad) || strings.Contains(err.Error(), ".tmp") {
		t.Errorf("got %v, want an error naming %s", err, bad)
	}
}
