package dataio

import (
	"io"
	"os"
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
