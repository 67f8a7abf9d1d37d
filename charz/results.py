"""Pieces shared by the result types of the techniques.

:class:`FailedFitBase` is the base of the "fit that failed" results (``exc.result`` of a
:class:`~charz.errors.FitError`): nothing to quote, but a figure that shows why.
"""

from __future__ import annotations

from typing import Any, ClassVar

from charz.display import DescriptorsHTMLMixin

__all__ = ["FailedFitBase"]


class FailedFitBase(DescriptorsHTMLMixin):
    """Base of a failed fit: empty ``descriptors()``; ``plot()`` draws the data and the reason.

    A subclass (a frozen dataclass) has the fields ``curve`` (the data, and the last model
    when there was one; or None) and ``message`` (why it failed), and implements
    ``_draw(curve, *, ax, subtitle)`` with its technique's fit figure.
    """

    __slots__ = ()
    figure_name: ClassVar[str] = "failed_fit"
    #: Characters per line of the reason in the figure title.
    title_width: ClassVar[int] = 70

    def descriptors(self) -> dict[str, Any]:
        """Nothing to quote: an empty mapping."""
        return {}

    def plot(self, ax: Any = None) -> Any:
        """The data (and the last model attempt) with the reason in the title."""
        from charz.plotting import failure_axes, failure_text

        curve = self.curve  # type: ignore[attr-defined]
        message = self.message  # type: ignore[attr-defined]
        if curve is None:
            return failure_axes(message, ax, width=self.title_width)
        return self._draw(curve, ax=ax, subtitle=failure_text(message, width=self.title_width))

    def _draw(self, curve: Any, *, ax: Any, subtitle: str) -> Any:
        raise NotImplementedError
