"""SAQ task functions and the worker that runs them."""
