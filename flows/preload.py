"""The warm-up of a worker's forkserver (flows/warm.py): imported there once, it loads what every
flow run needs, so each run forks ready. Nothing here may start a thread or open a connection:
the forkserver forks, and threads or sockets do not survive a fork."""

from flows.warm import warm_up

warm_up()
