package plotio

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

func line(t *testing.T) *plot.Plot {
	p := plot.New()
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: 0}, {X: 1, Y: 1}})
	if err != nil {
		t.Fatal(err)
	}
	p.Add(l)
	return p
}

func TestSaveFormats(t *testing.T) {
	dir := t.TempDir()
	magic := map[string]string{"a.png": "\x89PNG", "a.svg": "<?xml", "a.pdf": "%PDF"}
	for name, want := range magic {
		path := filepath.Join(dir, name)
		if err := SaveGrid(path, [][]*plot.Plot{{line(t), line(t)}}, 6*vg.Inch, 3*vg.Inch); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.HasPrefix(b, []byte(want)) {
			t.Errorf("%s: starts %q (err %v), want %q", name, b[:min(len(b), 8)], err, want)
		}
	}
	if err := Save(filepath.Join(dir, "a.jpg"), line(t), vg.Inch, vg.Inch); err == nil {
		t.Error("a .jpg file: no error")
	}
	if err := SaveGrid(filepath.Join(dir, "b.png"), [][]*plot.Plot{{line(t)}, {line(t), line(t)}}, vg.Inch, vg.Inch); err == nil {
		t.Error("ragged grid: no error")
	}
}
