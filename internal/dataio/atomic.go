package dataio

import (
	"bufio"
	"errors"
	"io"
	"os"
	"path/filepath"
)

// WriteFileAtomic creates or replaces the file at path with what write
// produces. It writes to a temporary file in the same directory, syncs it
// and renames it over path, so path either keeps its old contents or holds
// the complete new ones. If write returns an error, path is untouched and
// the temporary file is removed.
//
// An existing file keeps its permissions, and a symbolic link keeps
// pointing at the file, which is replaced. A path that names something
// other than a regular file (/dev/null,
// /dev/stdout, a named pipe) is written in place: renaming over it would
// replace the device with a file.
func WriteFileAtomic(path string, write func(io.Writer) error) (err error) {
	mode := os.FileMode(0o644)
	if fi, serr := os.Stat(path); serr == nil {
		if !fi.Mode().IsRegular() && !fi.IsDir() {
			return writeInPlace(path, write)
		}
		if fi.Mode().IsRegular() {
			mode = fi.Mode().Perm()
		}
		// Replace the file a symbolic link points to, not the link.
		if real, lerr := filepath.EvalSymlinks(path); lerr == nil {
			path = real
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		// Name the file asked for, not the temporary one.
		var pe *os.PathError
		if errors.As(err, &pe) {
			return &os.PathError{Op: "create", Path: path, Err: pe.Err}
		}
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	bw := bufio.NewWriterSize(f, 64<<10)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Chmod(mode); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, path); err != nil {
		return err
	}
	// Make the rename durable; not every platform can sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func writeInPlace(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 64<<10)
	if err := write(bw); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
