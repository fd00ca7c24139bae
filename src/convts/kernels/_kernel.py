"""The Kernel: an immutable rational lag polynomial ``B(L) / A(L)`` with sparse lags."""

from __future__ import annotations

import numbers
from typing import Callable, NamedTuple

import numpy as np

from .._validation import check_finite_taps, check_int
from ._levinson import levinson_durbin

__all__ = ["Kernel", "Roots", "FirTaps", "fir_taps", "ZERO_RTOL", "sum_is_zero"]

# The engine installs its ``convolve`` here when it is imported, so that ``kernel(x)`` works
# without the kernel layer importing the engine layer above it.
_APPLY: Callable | None = None


class Roots(NamedTuple):
    """Roots of a kernel's lag polynomials, as polynomials in the lag operator ``L``.

    ``ar`` are the roots of ``A(L)`` (all outside the unit circle for a stable kernel),
    ``ma`` the roots of ``B(L)`` (all outside for an invertible one): statsmodels'
    ``arroots`` / ``maroots``.
    """

    ar: np.ndarray
    ma: np.ndarray


class FirTaps(NamedTuple):
    """A numerator ``B(L)`` as the engine's direct sums and FFTs read it (see :func:`fir_taps`)."""

    lags: np.ndarray  # int64 lags of the non-zero taps, ascending
    coefs: np.ndarray  # float64 coefficients at those lags
    offset: int  # smallest lag of the extent (a zero end tap counts: it is part of the extent)
    span: int  # number of lags in the extent offset .. offset + span - 1
    uniform: bool  # span > 1 and every lag of the extent has the same non-zero coefficient
    dense: np.ndarray  # float64 taps at lags offset .. offset + span - 1


def fir_taps(lags: np.ndarray, coefs: np.ndarray) -> FirTaps:
    """The :class:`FirTaps` of a canonical numerator (sorted lags; zero taps only at the ends).

    A zero coefficient is no term: NaN/inf must not reach an output through it (``0 * inf``
    is NaN), so the direct sums get the non-zero taps only; the extent (``offset``, ``span``)
    keeps the zero end taps, which matter for the ``full``/``same``/``valid`` geometry.  The
    arrays are read-only.
    """
    offset = int(lags[0])
    span = int(lags[-1]) - offset + 1
    nz = coefs != 0.0
    if nz.all():
        lz, cz = lags.astype(np.int64), coefs.astype(np.float64)
    else:
        lz, cz = lags[nz].astype(np.int64), coefs[nz].astype(np.float64)
    uniform = lz.size == span and span > 1 and bool(np.all(cz == cz[0]))
    if lz.size == span:
        dense = cz
    else:
        dense = np.zeros(span)
        dense[lags - offset] = coefs
    for arr in (lz, cz, dense):
        arr.setflags(write=False)
    return FirTaps(lz, cz, offset, span, uniform, dense)


_LABELS = {"b": "b (the numerator B(L))", "a": "a (the denominator A(L))"}


def _sparse_from(coefs, lags, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Normalise the user's coefficients (scalar, sequence, or {lag: coef}) to sorted sparse arrays."""
    name = _LABELS[key]
    lags_name = "lags" if key == "b" else "a_lags"
    if isinstance(coefs, dict):
        if not coefs:
            raise ValueError(f"{name} is an empty dict; give at least one {{lag: coefficient}}")
        if lags is not None:
            raise ValueError(f"{name} is a dict of {{lag: coefficient}}; do not also pass {lags_name}")
        lag_arr = np.array([check_int(k, f"{name} lag") for k in coefs], dtype=np.int64)
        coef_arr = check_finite_taps(list(coefs.values()), name)
    else:
        coef_arr = check_finite_taps(coefs, name)
        if lags is None:
            lag_arr = np.arange(coef_arr.size, dtype=np.int64)
        else:
            lag_arr = np.asarray(lags)
            if lag_arr.dtype.kind not in "iu":
                raise TypeError(f"{lags_name} for {name} must be integers, got dtype {lag_arr.dtype}")
            lag_arr = np.atleast_1d(lag_arr).astype(np.int64)
            if lag_arr.shape != coef_arr.shape:
                raise ValueError(
                    f"{name} has {coef_arr.size} coefficients but {lag_arr.size} {lags_name}; give one lag per coefficient"
                )
    return _canonical(lag_arr, coef_arr, keep_ends=(key == "b"))


_LEGACY_HINT = {
    "ma": "b=",
    "ar": "a=",
    "ar_lags": "a_lags=",
    "ma_lags": "lags=",
}


def _reject_legacy_keywords(kwargs: dict) -> None:
    """``Kernel(ar=...)`` / ``Kernel(ma=...)``: the old spelling, which read *polynomials*, raises.

    ``ar``/``ma`` mean phi/theta in :func:`convts.kernels.arma`; in ``Kernel`` they used to mean the
    full polynomials A(L)/B(L).  One keyword must not mean both, so the old spelling is refused.
    """
    old = sorted(k for k in kwargs if k in _LEGACY_HINT)
    other = sorted(k for k in kwargs if k not in _LEGACY_HINT)
    if old:
        use = ", ".join(f"{k}= -> {_LEGACY_HINT[k]}" for k in old)
        raise TypeError(
            f"Kernel() got {', '.join(k + '=' for k in old)}: Kernel takes the full polynomials as b= (numerator "
            f"B(L), scipy's b) and a= (denominator A(L) with a[0] == 1, scipy's a), with lags= and a_lags= ({use}). "
            f"For AR/MA coefficients phi/theta in statsmodels' signs use convts.kernels.arma(ar=..., ma=...)"
        )
    raise TypeError(f"Kernel() got unexpected keyword argument(s) {other}; use b=, a=, lags=, a_lags=")


# A floating result that should be zero (a polynomial's value at L = 1, a coefficient where terms
# cancel, a zero on the unit circle) comes out as rounding noise of order eps times the magnitudes
# that were summed.  Every such test compares with ZERO_RTOL * (sum of those magnitudes), never == 0.
ZERO_RTOL = 64 * np.finfo(np.float64).eps


def sum_is_zero(coefs) -> bool:
    """True when ``sum(coefs)`` is zero up to rounding: ``|sum c_i| <= ZERO_RTOL * sum |c_i|``.

    ``A(1)`` of ``(1 - L)(1 - 0.3 L)`` is ``-5.6e-17``, not 0: ``1.3`` is not a binary number.
    """
    c = np.asarray(coefs, dtype=np.float64)
    return bool(abs(c.sum()) <= ZERO_RTOL * np.abs(c).sum())


def _canonical(lags: np.ndarray, coefs: np.ndarray, keep_ends: bool = False,
               magnitude: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Sum duplicated lags, sort, drop zeros (keeping one term if all vanish).

    A summed coefficient is zero when it is below ``ZERO_RTOL`` times the sum of the magnitudes
    of its terms (``magnitude``, default ``|coefs|``): in ``(1 - 0.1 L)(1 - 0.2 L)(1 + 0.3 L)`` the
    coefficient of ``L`` is ``-5.6e-17`` in floats (``0.1 + 0.2 != 0.3``) and is not stored.  A coefficient given alone is
    kept however small (its own magnitude is the scale).
    ``keep_ends`` keeps the first and last lag even when zero: a numerator's extent is part of
    its meaning for the ``full``/``same``/``valid`` modes (``[0.5, 1, 0]`` spans three lags).
    """
    uniq, inv = np.unique(lags, return_inverse=True)
    summed = np.zeros(uniq.size)
    np.add.at(summed, inv, coefs)
    scale = np.zeros(uniq.size)
    np.add.at(scale, inv, np.abs(coefs) if magnitude is None else magnitude)
    keep = np.abs(summed) > ZERO_RTOL * scale
    summed[~keep] = 0.0
    if keep_ends and keep.any():
        keep[0] = keep[-1] = True
    if not keep.any():
        return uniq[:1].copy(), np.zeros(1)
    return uniq[keep], summed[keep]


def _product(p: tuple[np.ndarray, np.ndarray], q: tuple[np.ndarray, np.ndarray], keep_ends: bool):
    lags = (p[0][:, None] + q[0][None, :]).ravel()
    coefs = (p[1][:, None] * q[1][None, :]).ravel()
    return _canonical(lags, coefs, keep_ends, np.abs(coefs))


def _dense(lags: np.ndarray, coefs: np.ndarray) -> np.ndarray:
    out = np.zeros(int(lags[-1] - lags[0]) + 1)
    out[lags - lags[0]] = coefs
    return out


def _max_zero_modulus(lags: np.ndarray, coefs: np.ndarray) -> float:
    """Largest modulus of the z-plane zeros of ``sum_k coefs[k] z**-lags[k]`` (lags >= 0, lag 0 present).

    A seasonal polynomial uses only multiples of ``g = gcd(lags)``: it is ``P(L**g)``, whose zeros
    are the ``g``-th roots of ``P``'s, so the degree-``g`` reduction gives the same modulus without
    a (slow, O(deg**3)) eigen-solve of the full companion matrix (1 - 0.9 L^365: 2 taps, not 365).

    A zero on the unit circle comes out of the eigen-solve at modulus ``1 +- 1e-16`` (or, for a
    ``d``-fold root, ``1 +- eps**(1/d)``), so ``< 1`` would call ``(1 - L)(1 - 0.7 L)`` stable.  A
    zero whose projection ``u = z / |z|`` onto the circle makes the polynomial vanish up to
    rounding (``|P(u)| <= ZERO_RTOL * deg * sum |c|``) is taken to lie on it: modulus exactly 1.
    """
    if lags.size <= 1:
        return 0.0
    g = int(np.gcd.reduce(lags[1:]))
    reduced = np.zeros(int(lags[-1]) // g + 1)
    reduced[lags // g] = coefs
    z = np.roots(reduced)
    if not z.size:
        return 0.0
    mod = np.abs(z)
    near = np.flatnonzero(np.abs(mod - 1.0) < 1e-2)
    if near.size:
        u = z[near] / mod[near]
        deg = reduced.size - 1
        value = np.abs(np.polyval(reduced, u))
        on_circle = value <= ZERO_RTOL * deg * np.abs(reduced).sum()
        mod[near[on_circle]] = 1.0
    return float(mod.max()) ** (1.0 / g)


def _rounding_bound(lags: np.ndarray, coefs: np.ndarray) -> float:
    """Below this modulus a value of ``sum_k coefs[k] w**lags[k]`` on the unit circle is rounding
    noise (a root there): ``ZERO_RTOL * degree * sum |c|``, the rule of ``_max_zero_modulus``."""
    return ZERO_RTOL * max(int(lags[-1] - lags[0]), 1) * float(np.abs(coefs).sum())


def _evaluate(lags: np.ndarray, coefs: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Evaluate ``sum_k coefs[k] * w**lags[k]`` at complex points ``w``."""
    out = np.zeros(w.shape, dtype=complex)
    for lag, c in zip(lags.tolist(), coefs.tolist()):
        out += c * w**lag
    return out


class Kernel:
    """An immutable linear filter ``B(L) / A(L)`` in the lag operator ``L`` (``L x_t = x_{t-1}``).

    Applying the kernel to a series ``x`` gives ``y`` with ``A(L) y_t = B(L) x_t``: a FIR
    filter (moving average, differencing, echo) when ``A(L) == 1``, an IIR filter
    (exponential smoothing, AR, integration) otherwise.  Coefficients are stored sparsely,
    so a seasonal term at lag 365 stores one tap, not 365.

    Parameters
    ----------
    b : float, sequence or dict, default 1.0
        Numerator ``B(L)`` (scipy's ``b``): a sequence gives the coefficients of ``L**0, L**1, ...``,
        a dict maps lag -> coefficient.  Negative lags (leads) are allowed for FIR kernels, e.g. a
        centred moving average.
    a : sequence or dict, optional
        Denominator ``A(L)`` *as a polynomial*, leading coefficient first (scipy's ``a``):
        ``[1, -0.7]`` is ``1 - 0.7 L``.  Lags must be >= 0 and the lag-0 coefficient non-zero;
        both polynomials are divided by it.  For AR/MA coefficients ``phi``/``theta`` in
        statsmodels' sign convention use :func:`convts.kernels.arma` (its ``ar=``/``ma=``).
    lags : sequence of int, optional
        Lags of the ``b`` coefficients when ``b`` is a sequence (default ``0, 1, ...``).
    a_lags : sequence of int, optional
        Lags of the ``a`` coefficients when ``a`` is a sequence.

    Raises
    ------
    TypeError
        For the old keywords ``ar=``, ``ma=``, ``ar_lags=``: ``ar``/``ma`` mean phi/theta
        (:func:`convts.kernels.arma`) and never full polynomials; the message says which to use.

    Examples
    --------
    >>> from convts import Kernel
    >>> k = Kernel(b=[0.5, 0.5])                   # two-point moving average
    >>> k(np.array([2.0, 4.0, 6.0])).tolist()
    [1.0, 3.0, 5.0]
    >>> seasonal = Kernel(b={0: 1.0, 12: -1.0})    # 1 - L^12: one stored tap at lag 12
    >>> seasonal.b_lags.tolist(), seasonal.is_fir
    ([0, 12], True)
    >>> (Kernel(a=[1, -0.5]) * Kernel(b=[1, -0.5])).is_fir   # (1 - 0.5L) / (1 - 0.5L) stays rational
    False
    >>> Kernel(ar=[0.5])
    Traceback (most recent call last):
    ...
    TypeError: Kernel() got ar=: Kernel takes the full polynomials as b= ...
    """

    __slots__ = ("_num", "_den", "_radius", "_taps", "__weakref__")

    def __init__(self, b=1.0, a=None, *, lags=None, a_lags=None, **legacy):
        if legacy:
            _reject_legacy_keywords(legacy)
        num = _sparse_from(b, lags, "b")
        if a is None:
            if a_lags is not None:
                raise ValueError("a_lags given without denominator coefficients a")
            den = (np.zeros(1, dtype=np.int64), np.ones(1))
        else:
            den = _sparse_from(a, a_lags, "a")
            if den[0][0] < 0:
                raise ValueError(f"a has a negative lag {int(den[0][0])}; the denominator A(L) must use lags >= 0")
            if den[0][0] != 0 or den[1][0] == 0.0:
                raise ValueError("a must have a non-zero lag-0 coefficient (e.g. a=[1, -0.7] for 1 - 0.7 L)")
        self._set(num, den)

    def _set(self, num, den) -> None:
        a0 = den[1][0]
        num = (num[0], num[1] / a0)
        den = (den[0], den[1] / a0)
        if den[0].size > 1 and num[0][0] < 0:
            raise ValueError(
                "an IIR kernel (non-trivial a) must have a causal numerator (lags >= 0); "
                "apply the lead separately by shifting the output"
            )
        for arr in (*num, *den):
            arr.setflags(write=False)
        object.__setattr__(self, "_num", num)
        object.__setattr__(self, "_den", den)

    @classmethod
    def _from_sparse(cls, num, den) -> "Kernel":
        k = cls.__new__(cls)
        k._set((num[0].copy(), num[1].copy()), (den[0].copy(), den[1].copy()))
        return k

    @classmethod
    def from_lfilter(cls, b, a=1.0) -> "Kernel":
        """Kernel from scipy.signal.lfilter's ``(b, a)`` coefficient arrays."""
        return cls(b=b, a=np.atleast_1d(a))

    def __setattr__(self, name, value):
        raise AttributeError("Kernel is immutable; build a new one instead")

    def __reduce__(self):  # pickle / copy.deepcopy (pandas attrs, joblib) rebuild without __setattr__
        return (Kernel._from_sparse, (self._num, self._den))

    # ------------------------------------------------------------------ structure
    @property
    def b_lags(self) -> np.ndarray:
        """Lags of the stored numerator ``B(L)`` coefficients (sparse form of :attr:`b`)."""
        return self._num[0]

    @property
    def b_coefs(self) -> np.ndarray:
        """Stored numerator coefficients (at :attr:`b_lags`)."""
        return self._num[1]

    @property
    def a_lags(self) -> np.ndarray:
        """Lags of the stored denominator ``A(L)`` coefficients (starts with 0)."""
        return self._den[0]

    @property
    def a_coefs(self) -> np.ndarray:
        """Stored denominator coefficients (starts with 1; sparse form of :attr:`a`)."""
        return self._den[1]

    # Older names of the four properties above.  They are the *full* polynomials B(L) and A(L),
    # not theta/phi; kept as aliases for existing code, new code should use b_*/a_*.
    ma_lags = b_lags
    ma_coefs = b_coefs
    ar_lags = a_lags
    ar_coefs = a_coefs

    @property
    def b(self) -> np.ndarray:
        """Dense numerator from lag :attr:`offset` to the largest lag (scipy's ``b`` when offset == 0)."""
        return _dense(*self._num)

    @property
    def a(self) -> np.ndarray:
        """Dense denominator from lag 0 (scipy's ``a``; ``a[0] == 1``)."""
        return _dense(*self._den)

    @property
    def offset(self) -> int:
        """Smallest numerator lag: 0 for a causal kernel, negative for a centred one."""
        return int(self._num[0][0])

    @property
    def is_fir(self) -> bool:
        """True when ``A(L) == 1`` (a finite impulse response)."""
        return self._den[0].size == 1

    @property
    def is_causal(self) -> bool:
        """True when the output at time t uses inputs at times <= t only."""
        return self.offset >= 0

    @property
    def n_taps(self) -> int:
        """Number of stored (non-zero) numerator plus non-trivial denominator coefficients."""
        return int(self._num[0].size + self._den[0].size - 1)

    @property
    def span(self) -> int:
        """Number of lags covered by the numerator (length of :attr:`b`)."""
        return int(self._num[0][-1] - self._num[0][0]) + 1

    # ------------------------------------------------------------------ algebra
    def __mul__(self, other):
        if isinstance(other, Kernel):
            return Kernel._from_sparse(_product(self._num, other._num, True), _product(self._den, other._den, False))
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            if not np.isfinite(other):
                raise ValueError(f"cannot scale a kernel by {other}")
            return Kernel._from_sparse(_canonical(self._num[0], self._num[1] * float(other), True), self._den)
        return NotImplemented

    def __rmul__(self, other):
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            return self * other
        return NotImplemented

    def __truediv__(self, other):
        if isinstance(other, Kernel):
            return self * other.inverse()
        if isinstance(other, numbers.Real) and not isinstance(other, bool):
            if other == 0:
                raise ZeroDivisionError("cannot divide a kernel by zero")
            return self * (1.0 / other)
        return NotImplemented

    def __pow__(self, n):
        n = check_int(n, "exponent")
        if n < 0:
            return self.inverse() ** (-n)
        out = Kernel()
        for _ in range(n):
            out = out * self
        return out

    def __eq__(self, other):
        if not isinstance(other, Kernel):
            return NotImplemented
        return all(
            np.array_equal(p, q)
            for p, q in zip((*self._num, *self._den), (*other._num, *other._den))
        )

    def __hash__(self):
        return hash(tuple(arr.tobytes() for arr in (*self._num, *self._den)))

    def __repr__(self) -> str:
        def fmt(lags, coefs):
            return "{" + ", ".join(f"{int(lag)}: {c:.6g}" for lag, c in zip(lags, coefs)) + "}"

        if self.is_fir:
            return f"Kernel(b={fmt(*self._num)})"
        return f"Kernel(b={fmt(*self._num)}, a={fmt(*self._den)})"

    def inverse(self) -> "Kernel":
        """The inverse filter ``A(L) / B(L)``, so that ``k * k.inverse()`` is the identity.

        Raises ``ValueError`` when the numerator starts at a lag other than 0 (the inverse
        would need future values).  The inverse of a non-invertible kernel exists but is
        unstable; check :attr:`is_invertible`.
        """
        if self.offset != 0:
            raise ValueError(
                f"the kernel's numerator starts at lag {self.offset}; its inverse would need "
                f"{'future' if self.offset > 0 else 'past-shifted'} values. Remove the delay first"
            )
        return Kernel._from_sparse(self._den, self._num)

    def flip(self) -> "Kernel":
        """Time reversal ``L -> L^-1`` of a FIR kernel (lag ``k`` becomes lead ``k``).

        ``convolve(x, k.flip(), mode="full")`` is the cross-correlation of ``x`` with the taps.
        IIR kernels raise ``ValueError``: reverse the series instead (``k(x[::-1])[::-1]``).
        """
        if not self.is_fir:
            raise ValueError("flip() of an IIR kernel is anti-causal; filter the reversed series instead: k(x[::-1])[::-1]")
        return Kernel._from_sparse(_canonical(-self._num[0], self._num[1], True), self._den)

    def shift(self, lag: int) -> "Kernel":
        """Delay the kernel by ``lag`` steps (multiply by ``L**lag``; negative leads)."""
        lag = check_int(lag, "lag")
        return Kernel._from_sparse((self._num[0] + lag, self._num[1]), self._den)

    def dc_gain(self) -> float:
        """``H(1) = B(1) / A(1)``: the sum of the impulse response (gain at frequency 0).

        ``A(1)`` and ``B(1)`` count as zero when they are zero up to rounding,
        ``|sum c_i| <= 64 eps sum |c_i|`` (``(1 - L)(1 - 0.3 L)`` sums to ``-5.6e-17``): a unit
        root at frequency 0 gives ``inf`` (``nan`` when ``B(1)`` vanishes too), a zero of ``B``
        at 1 (a differencing factor) gives ``0.0``.

        Examples
        --------
        >>> from convts import kernels
        >>> (kernels.integrate(1) * kernels.arma(ar=[0.3])).dc_gain()
        inf
        >>> (kernels.difference(1) * kernels.arma(ar=[0.3])).dc_gain()
        0.0
        """
        den_zero = sum_is_zero(self._den[1])
        num_zero = sum_is_zero(self._num[1])
        if den_zero:
            return np.nan if num_zero else np.inf
        if num_zero:
            return 0.0
        return float(self._num[1].sum()) / float(self._den[1].sum())

    def normalize(self) -> "Kernel":
        """Scale the numerator so the gain at frequency 0 is 1 (weights sum to 1).

        Raises ``ValueError`` when the gain is zero or infinite up to rounding (see
        :meth:`dc_gain`): a differencing kernel's weights sum to 0, an integrator's to infinity.
        """
        gain = self.dc_gain()
        if not np.isfinite(gain) or gain == 0.0:  # dc_gain returns an exact 0.0 for a zero sum
            raise ValueError(
                f"cannot normalise: the kernel's gain at frequency 0 is {gain} up to rounding "
                f"(B(1) = {float(self._num[1].sum()):.3g}, A(1) = {float(self._den[1].sum()):.3g}); "
                f"a differencing or unit-root kernel has no finite non-zero sum"
            )
        return self * (1.0 / gain)

    def softmax(self) -> "Kernel":
        """FIR kernel with taps ``exp(b) / sum(exp(b))`` at the same lags (positive, summing to 1)."""
        if not self.is_fir:
            raise ValueError("softmax() applies to FIR taps; this kernel is IIR")
        c = self._num[1]
        e = np.exp(c - c.max())
        return Kernel._from_sparse((self._num[0], e / e.sum()), self._den)

    # ------------------------------------------------------------------ roots and stability
    @property
    def roots(self) -> Roots:
        """Roots of ``A(L)`` and ``B(L)`` as polynomials in ``L`` (statsmodels' arroots, maroots)."""
        a = self.a
        b = self.b
        ar_roots = np.roots(a[::-1]) if a.size > 1 else np.zeros(0, dtype=complex)
        ma_roots = np.roots(b[::-1]) if b.size > 1 else np.zeros(0, dtype=complex)
        return Roots(ar_roots.astype(complex), ma_roots.astype(complex))

    @property
    def poles(self) -> np.ndarray:
        """Poles in the z-plane (reciprocals of the AR roots); inside the unit circle when stable."""
        a = self.a
        return np.roots(a).astype(complex) if a.size > 1 else np.zeros(0, dtype=complex)

    @property
    def pole_radius(self) -> float:
        """Largest pole modulus: the impulse response decays like ``pole_radius ** j``.

        A root finding (~0.1-0.3 ms), done once per kernel: the engine asks on every IIR call
        (``method='auto'``'s choice, the explosive-kernel warning) and the kernel is immutable.
        """
        try:
            return self._radius
        except AttributeError:
            radius = float(_max_zero_modulus(*self._den))
            object.__setattr__(self, "_radius", radius)
            return radius

    @property
    def _fir_taps(self) -> FirTaps:
        """The numerator as the engine's direct sums and FFTs read it (:func:`fir_taps`), computed
        once per kernel: the engine asks on every call, and the kernel is immutable."""
        try:
            return self._taps
        except AttributeError:
            taps = fir_taps(*self._num)
            object.__setattr__(self, "_taps", taps)
            return taps

    @property
    def is_stable(self) -> bool:
        """True when every pole lies strictly inside the unit circle (a stationary filter)."""
        return self.pole_radius < 1.0

    @property
    def is_invertible(self) -> bool:
        """True when every zero of ``B`` lies strictly inside the unit circle (``B(L)`` roots outside)."""
        lags, coefs = self._num
        nz = coefs != 0.0
        lags, coefs = lags[nz], coefs[nz]
        if lags.size == 0 or lags[0] != 0:  # B(0) == 0 (a pure delay or zero): no causal inverse
            return False
        return _max_zero_modulus(lags, coefs) < 1.0

    # ------------------------------------------------------------------ responses
    def impulse_length(self, tol: float | None = None) -> int:
        """Length ``n`` after which the impulse response's tail is below ``tol`` (see :meth:`impulse_response`)."""
        if self.is_fir:
            return int(self._num[0][-1]) + 1 if self.offset >= 0 else self.span
        if tol is None:
            from .._config import get_option

            tol = get_option("impulse_tol")
        if not tol > 0:
            raise ValueError(f"tol={tol}: tol must be > 0")
        rho = self.pole_radius
        if rho >= 1.0:
            moduli = np.sort(np.abs(self.roots.ar))
            raise ValueError(
                f"the kernel is not stable: its AR roots have moduli {np.round(moduli, 6).tolist()} "
                f"(all must be > 1); its impulse response does not decay. Pass n=... for a fixed length "
                f"or use method='recursive'"
            )
        best = None
        deg = int(max(self._den[0][-1], self._num[0][-1]))
        num_lag = int(self._num[0][-1])
        num_abs = float(np.abs(self._num[1]).sum())
        grid = np.exp(2j * np.pi * np.arange(max(512, 16 * deg)) / max(512, 16 * deg))
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for frac in (0.25, 0.5, 0.75, 0.9):
                # any 1 < R < 1/rho is valid; capping R keeps R**deg finite when rho is tiny
                radius = min(rho ** (-frac), 16.0) if rho > 0 else 4.0
                w = radius * grid
                inv_a = 1.0 / _evaluate(*self._den, w)
                # the bound for H = B/A, and (always finite) the one for 1/A shifted by B's degree:
                # sum_{j>=n} |psi_j| <= sum|b| * tail_{1/A}(n - deg B)
                for m, scale, shift in ((float(np.abs(_evaluate(*self._num, w) * inv_a).max()), 1.0, 0),
                                        (float(np.abs(inv_a).max()), num_abs, num_lag)):
                    n = np.log(1.1 * m * scale * radius / ((radius - 1.0) * tol)) / np.log(radius)
                    if not np.isfinite(n):
                        continue
                    n = max(int(np.ceil(n)) + shift, num_lag + 1, 1)
                    best = n if best is None else min(best, n)
        return best

    def impulse_response(self, n: int | None = None, tol: float | None = None) -> np.ndarray:
        """The psi weights ``psi_0, psi_1, ...`` (the response to a unit impulse at time 0).

        Parameters
        ----------
        n : int, optional
            Number of weights.  Default: all taps of a FIR kernel; for an IIR kernel the
            smallest ``n`` whose neglected tail is below ``tol``.
        tol : float, optional
            Truncation tolerance (default the option ``impulse_tol``, 1e-12).

        Notes
        -----
        For an IIR kernel with pole radius ``rho < 1``, ``H(w) = B(w)/A(w)`` is analytic for
        ``|w| < 1/rho``.  Cauchy's estimate on a circle of radius ``1 < R < 1/rho`` gives
        ``|psi_j| <= M(R) R**-j`` with ``M(R) = max_{|w|=R} |H(w)|``, so the neglected tail obeys
        ``sum_{j>=n} |psi_j| <= M(R) R**(1-n) / (R - 1)``.  ``n`` is the smallest length making this
        bound <= ``tol`` over ``R = rho**-f``, ``f in {0.25, 0.5, 0.75, 0.9}``; ``M`` is the maximum
        over a grid of at least 512 points with a 10 % margin.  Filtering a series bounded by
        ``X`` with the truncated weights is then within ``tol * X`` of the exact IIR filter.
        For a FIR kernel with leads (``offset < 0``) the weights start at lag ``offset``.

        Examples
        --------
        >>> from convts import kernels
        >>> kernels.arma(ar=[0.5]).impulse_response(4).tolist()
        [1.0, 0.5, 0.25, 0.125]
        """
        if n is None:
            n = self.impulse_length(tol)
        n = check_int(n, "n", minimum=0)
        if self.is_fir:
            taps = self.b if self.offset < 0 else _dense(np.r_[0, self._num[0]], np.r_[0.0, self._num[1]])
            out = np.zeros(n)
            m = min(n, taps.size)
            out[:m] = taps[:m]
            return out
        from scipy.signal import lfilter

        imp = np.zeros(n)
        if n:
            imp[0] = 1.0
        bfull = _dense(np.concatenate([[0], self._num[0]]), np.concatenate([[0.0], self._num[1]]))
        return lfilter(bfull, self.a, imp)

    def frequency_response(self, n: int = 512, whole: bool = False):
        """Frequency response ``H(e^{-i w})`` at ``n`` frequencies (as ``scipy.signal.freqz``).

        Returns
        -------
        w : ndarray
            Frequencies in radians per sample, ``[0, pi)`` (``[0, 2 pi)`` when ``whole``).
        h : ndarray
            Complex response ``B(e^{-iw}) / A(e^{-iw})``.  At a frequency where ``A`` has a
            root on the unit circle (an integrator at 0, a seasonal sum at ``2 pi j / s``) the
            response is ``inf`` (``nan`` where ``B`` vanishes there too: the ratio is not
            defined without cancelling the common factor), without a RuntimeWarning.  ``A``
            counts as zero there when ``|A| <= ZERO_RTOL * deg * sum |a|``, its rounding error
            (the rule :attr:`pole_radius` and :meth:`dc_gain` use).

        Examples
        --------
        >>> from convts import kernels
        >>> w, h = kernels.integrate(1).frequency_response(4)
        >>> abs(h).round(6).tolist()
        [inf, 1.306563, 0.707107, 0.541196]
        """
        n = check_int(n, "n", minimum=1)
        w = np.linspace(0.0, 2 * np.pi if whole else np.pi, n, endpoint=False)
        z = np.exp(-1j * w)
        num = _evaluate(*self._num, z)
        den = _evaluate(*self._den, z)
        pole = np.abs(den) <= _rounding_bound(*self._den)
        if not pole.any():
            return w, num / den
        h = np.empty_like(num)
        h[~pole] = num[~pole] / den[~pole]
        b_lags = self._num[0] - self._num[0][0]  # B's zeros do not depend on a lead or delay
        zero = pole & (np.abs(num) <= _rounding_bound(b_lags, self._num[1]))
        h[pole] = complex(np.inf, 0.0)
        h[zero] = complex(np.nan, 0.0)
        return w, h

    def acovf(self, nlags: int, sigma2: float = 1.0) -> np.ndarray:
        """Theoretical autocovariance at lags ``0..nlags`` of ``y = k(e)``, ``e`` white noise of variance ``sigma2``.

        Computed as the impulse response correlated with itself,
        ``gamma_h = sigma2 * sum_j psi_j psi_{j+h}``, with psi truncated at tolerance 1e-15.
        """
        nlags = check_int(nlags, "nlags", minimum=0)
        psi = self.impulse_response(tol=1e-15) if not self.is_fir else self.b
        m = psi.size
        size = m + nlags + 1
        nfft = 1 << int(np.ceil(np.log2(max(2 * size, 2))))
        if m > 256:
            from scipy import fft as sfft

            f = sfft.rfft(psi, nfft)
            full = sfft.irfft(f * np.conj(f), nfft)[: nlags + 1]
        else:
            full = np.array([psi[: m - h] @ psi[h:] if h < m else 0.0 for h in range(nlags + 1)])
        return sigma2 * full

    def acf(self, nlags: int) -> np.ndarray:
        """Theoretical autocorrelation at lags ``0..nlags`` of the process the kernel makes from white noise.

        Examples
        --------
        >>> from convts import kernels
        >>> kernels.arma(ar=[0.5]).acf(3).round(12).tolist()
        [1.0, 0.5, 0.25, 0.125]
        """
        g = self.acovf(nlags)
        if g[0] == 0:
            raise ValueError("the kernel is zero: its output has no variance")
        return g / g[0]

    def pacf(self, nlags: int) -> np.ndarray:
        """Theoretical partial autocorrelation at lags ``0..nlags`` (Durbin-Levinson on :meth:`acf`)."""
        nlags = check_int(nlags, "nlags", minimum=0)
        return levinson_durbin(self.acf(nlags), nlags).pacf

    # ------------------------------------------------------------------ application
    def __call__(self, x, **kwargs):
        """Apply the kernel: ``k(x, **kw) == convts.convolve(x, k, **kw)``."""
        if _APPLY is None:  # pragma: no cover - the engine registers itself on `import convts`
            import importlib

            importlib.import_module("convts.engine")
        return _APPLY(x, self, **kwargs)

    # ------------------------------------------------------------------ simulation
    def simulate(self, n: int, repetitions: int = 1, *, scale: float = 1.0, random_state=None, burnin=None,
                 noise=None) -> np.ndarray:
        """Sample paths of the process ``y = k(e)``, ``e`` i.i.d. ``N(0, scale**2)`` (or resampled ``noise``).

        Parameters
        ----------
        n : int
            Length of each path.
        repetitions : int
            Number of independent paths.
        scale : float
            Standard deviation of the Gaussian noise.
        random_state : None, int or numpy.random.Generator
            Seed for ``numpy.random.default_rng``.
        burnin : int, optional
            Draws discarded at the start (the filter starts at rest).  Default: from the pole
            radius ``rho``, ``ceil(log(1e-12) / log(rho))`` plus the longest lag, so the start-up
            transient is below 1e-12 of the stationary scale; 0 for a kernel with a pole on or
            outside the unit circle (the paths of an integrated process start at rest).
        noise : array_like, optional
            Values resampled with replacement as the noise instead of Gaussian draws (a bootstrap).

        Returns
        -------
        numpy.ndarray
            float64, shape ``(n,)`` for one repetition, else ``(n, repetitions)``.

        Examples
        --------
        >>> from convts import kernels
        >>> y = kernels.arma(ar=[0.9]).simulate(20000, random_state=0)
        >>> bool(abs(y.var() - 1 / (1 - 0.81)) < 0.5)
        True
        """
        from ._simulate import simulate

        return simulate(self, n, repetitions, scale=scale, random_state=random_state, burnin=burnin, noise=noise)

    # ------------------------------------------------------------------ plotting
    def plot(self, n: int | None = None, n_freq: int = 512, figsize=None, fig=None):
        """Draw the impulse response (psi weights, stems) and the gain ``|H(e^{-iw})|`` on ``[0, pi)``.

        ``n`` psi weights (default: every tap of a FIR kernel; for a stable IIR kernel until the
        tail is below 1e-4, at most 200; 50 for a kernel that does not decay), ``n_freq``
        frequencies; infinite gain (a unit root of ``A``) is left blank.  Returns the matplotlib
        Figure (matplotlib is an optional dependency: ``pip install 'convts[plot]'``).
        """
        from ._plot import plot_kernel

        return plot_kernel(self, n=n, n_freq=n_freq, figsize=figsize, fig=fig)
