// Services. Under construction.
