"""The objectives the estimators optimise, one implementation each (numba where it runs per step).

* :mod:`.transforms` -- Jones/Monahan map between the reals and stationary/invertible polynomials;
* :mod:`.kalman` -- state space, stationary initial covariance, Kalman filter, the Gaussian
  log-likelihood formulas (the exact likelihood of ARMA errors);
* :mod:`.toeplitz` -- the same likelihood by Durbin-Levinson on the autocovariances (complete
  series, long seasonal periods);
* :mod:`.css` -- R's conditional-sum-of-squares recursion and log-likelihood;
* :mod:`.exact` -- the exact likelihood at a model's parameter vector (choice of path, free
  parameters and their transform, root checks);
* :mod:`.objective` -- the compiled objectives the optimisers call, with their central-difference
  gradients (:mod:`..optimize` holds the difference rule).

The Whittle objective lives with its estimator (:mod:`..estimators.whittle`, analytic gradient).
Nothing here imports an estimator, the specification or the results.
"""
