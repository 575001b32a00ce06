// Package plotio writes gonum/plot figures to files: one plot or a grid of
// them, as PNG, SVG or PDF by the file's extension, atomically.
package plotio

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/nodekit/nodekit/internal/dataio"
)

// Format returns the image format of path ("png", "svg" or "pdf") or an
// error naming the file.
func Format(path string) (string, error) {
	ext := strings.TrimPrefix(strings.ToLower(filepath.Ext(path)), ".")
	switch ext {
	case "png", "svg", "pdf":
		return ext, nil
	}
	return "", fmt.Errorf("%s: want a .png, .svg or .pdf file", path)
}

// SaveGrid draws rows of plots, aligned on a grid, into a w×h image at
// path. Every row must have the same number of plots.
func SaveGrid(path string, rows [][]*plot.Plot, w, h vg.Length) error {
	format, err := Format(path)
	if err != nil {
		return err
	}
	if len(rows) == 0 || len(rows[0]) == 0 {
		return fmt.Errorf("plotio: %s: nothing to draw", path)
	}
	for i, r := range rows {
		if len(r) != len(rows[0]) {
			return fmt.Errorf("plotio: %s: row %d has %d plots, row 0 has %d", path, i, len(r), len(rows[0]))
		}
	}
	c, err := draw.NewFormattedCanvas(w, h, format)
	if err != nil {
		return err
	}
	pad := vg.Inch / 8
	tiles := draw.Tiles{Rows: len(rows), Cols: len(rows[0]), PadX: 2 * pad, PadY: pad,
		PadTop: pad, PadBottom: pad, PadLeft: pad, PadRight: pad}
	canvases := plot.Align(rows, tiles, draw.New(c))
	for i, r := range rows {
		for j, p := range r {
			p.Draw(canvases[i][j])
		}
	}
	return dataio.WriteFileAtomic(path, func(out io.Writer) error {
		_, err := c.WriteTo(out)
		return err
	})
}

// Save draws one plot into a w×h image at path.
func Save(path string, p *plot.Plot, w, h vg.Length) error {
	return SaveGrid(path, [][]*plot.Plot{{p}}, w, h)
}
