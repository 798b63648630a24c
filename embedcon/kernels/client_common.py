"""What every embedcon kernel client shares, whatever carries its messages
(ZMQ, in-process, Jupyter Server): the ``started_channels`` and
``stopped_channels`` signals and the frontend's comms
(``kernel_client.comm_manager``).

A client class lists :class:`QtClientMixin` first among its bases and sets
``self._signals`` to a :class:`ClientSignals` (or a subclass adding its own
signals) before the base client's ``__init__`` runs.
"""

from __future__ import annotations

from qtpy import QtCore

__all__ = ["ClientSignals", "QtClientMixin"]


class ClientSignals(QtCore.QObject):
    """The signals every client emits; a client's subclass adds its own."""

    started_channels = QtCore.Signal()
    stopped_channels = QtCore.Signal()


class QtClientMixin:
    """Signal properties and the comm manager, one way for every client."""

    _signals: ClientSignals

    @property
    def started_channels(self):
        """Signal(): the channels started (emitted by ``start_channels``)."""
        return self._signals.started_channels

    @property
    def stopped_channels(self):
        """Signal(): the channels stopped."""
        return self._signals.stopped_channels

    @property
    def comm_manager(self):
        """Frontend comms with the kernel (:class:`embedcon.kernels.comms.CommManager`)."""
        from .comms import comm_manager_for

        return comm_manager_for(self)
