package sindy

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Spectral differentiates periodic signals sampled on a uniform grid by
// multiplying their discrete Fourier coefficients by iω. The samples are
// taken as one full period: the sample after the last would equal the
// first. Cutoff in (0, 1) keeps only frequencies up to that fraction of the
// Nyquist frequency (a low-pass filter for noisy data); 0 keeps all.
type Spectral struct {
	Cutoff float64
}

// Differentiate implements Differentiator.
func (sp Spectral) Differentiate(dst, t, x []float64) error {
	if sp.Cutoff < 0 || sp.Cutoff > 1 || !finite(sp.Cutoff) {
		return fmt.Errorf("%w: spectral cutoff %g not in [0, 1]", ErrSettings, sp.Cutoff)
	}
	checkLens(dst, t, x)
	n := len(t)
	if n < 4 {
		return fmt.Errorf("%w: %d samples for spectral differentiation", ErrTooFewSamples, n)
	}
	dt, err := uniformStep(t)
	if err != nil {
		return err
	}
	fft := fourier.NewFFT(n)
	c := fft.Coefficients(nil, x)
	period := float64(n) * dt
	kmax := n / 2
	if sp.Cutoff > 0 {
		kmax = int(sp.Cutoff * float64(n/2))
	}
	for k := range c {
		if k > kmax || (n%2 == 0 && k == n/2) {
			// The Nyquist mode of an even-length sequence has no
			// well-defined derivative; drop it, as is customary.
			c[k] = 0
			continue
		}
		w := 2 * math.Pi * float64(k) / period
		c[k] = complex(-w*imag(c[k]), w*real(c[k]))
	}
	fft.Sequence(dst, c)
	inv := 1 / float64(n)
	for i := range dst {
		dst[i] *= inv
	}
	return nil
}

// uniformStep returns the step of a uniform grid, or ErrNonUniform.
func uniformStep(t []float64) (float64, error) {
	n := len(t)
	dt := (t[n-1] - t[0]) / float64(n-1)
	for i := 1; i < n; i++ {
		if math.Abs(t[i]-t[i-1]-dt) > 1e-6*dt {
			return 0, fmt.Errorf("%w: step %g at sample %d, mean step %g", ErrNonUniform, t[i]-t[i-1], i, dt)
		}
	}
	return dt, nil
}
