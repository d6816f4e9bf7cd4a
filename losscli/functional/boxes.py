"""Bounding-box regression losses, torchvision's: GIoU, DIoU and CIoU on (x1, y1, x2, y2) boxes.

torchvision.ops' default reduction is 'none'; here it is 'mean', like every loss in losscli.
As torchvision, the mean of no boxes is 0 (not NaN).
"""

import math

import numpy as np

from ..errors import InputError
from ._common import Parts, finish, shape_str
from ._weighting import check_reduction, first_bad, pair


def _boxes(input, target) -> tuple[np.ndarray, ...]:
    a, b = pair(input, target, " (one predicted box per true box)")
    if a.ndim not in (1, 2) or a.shape[-1] != 4:
        raise InputError(f"{{input}} and {{target}} must be boxes (N, 4) or (4,) as x1, y1, x2, y2, got {shape_str(a.shape)}")
    for arr, name in ((a, "input"), (b, "target")):
        bad = (arr[..., 2] < arr[..., 0]) | (arr[..., 3] < arr[..., 1])
        if bad.any():
            raise InputError(
                f"{{{name}}} has a box with x2 < x1 or y2 < y1 at box {first_bad(bad).removeprefix('position ')}; "
                "boxes are x1, y1, x2, y2 with x1 <= x2 and y1 <= y2"
            )
    return (*np.moveaxis(a, -1, 0), *np.moveaxis(b, -1, 0))


def _inter_union(x1, y1, x2, y2, x1g, y1g, x2g, y2g):
    """torchvision.ops._utils._loss_inter_union: the intersection is 0 unless both overlaps are > 0."""
    xk1, yk1 = np.maximum(x1, x1g), np.maximum(y1, y1g)
    xk2, yk2 = np.minimum(x2, x2g), np.minimum(y2, y2g)
    inter = np.where((yk2 > yk1) & (xk2 > xk1), (xk2 - xk1) * (yk2 - yk1), x1.dtype.type(0))
    union = (x2 - x1) * (y2 - y1) + (x2g - x1g) * (y2g - y1g) - inter
    return inter, union


def _diou_iou(coords, eps):
    """torchvision.ops.diou_loss._diou_iou_loss: (1 - IoU + center distance^2 / diagonal^2, IoU)."""
    x1, y1, x2, y2, x1g, y1g, x2g, y2g = coords
    inter, union = _inter_union(*coords)
    iou = inter / (union + eps)
    xc1, yc1 = np.minimum(x1, x1g), np.minimum(y1, y1g)
    xc2, yc2 = np.maximum(x2, x2g), np.maximum(y2, y2g)
    diagonal = (xc2 - xc1) ** 2 + (yc2 - yc1) ** 2 + eps
    two = x1.dtype.type(2)
    centers = ((x2 + x1) / two - (x1g + x2g) / two) ** 2 + ((y2 + y1) / two - (y1g + y2g) / two) ** 2
    return x1.dtype.type(1) - iou + centers / diagonal, iou


def _finish(loss: np.ndarray, reduction: str):
    loss = np.asarray(loss)
    # torchvision's mean of no boxes is 0.0 * sum = 0: a denominator of 1 gives it.
    return finish(Parts(loss, loss, float(max(loss.size, 1))), reduction)


@np.errstate(all="ignore")
def generalized_box_iou_loss(input, target, *, eps: float = 1e-7, reduction: str = "mean"):
    """GIoU loss, torchvision's: 1 - IoU + (|C| - |A u B|) / |C|, C the smallest enclosing box.

    IoU = |A n B| / (|A u B| + eps) and the enclosing term divides by |C| + eps. Rezatofighi
    et al. 2019, Generalized Intersection over Union; torchvision.ops.generalized_box_iou_loss.

    Args:
        input: predicted boxes (N, 4) or (4,), x1, y1, x2, y2 with x1 <= x2, y1 <= y2.
        target: true boxes, the same shape (the loss is symmetric).
        eps: the small number in the denominators (torchvision's 1e-7).
        reduction: 'mean' (torchvision's default is 'none'), 'sum', 'none' or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    coords = _boxes(input, target)
    x1, y1, x2, y2, x1g, y1g, x2g, y2g = coords
    dt = x1.dtype.type
    inter, union = _inter_union(*coords)
    iou = inter / (union + dt(eps))
    area_c = (np.maximum(x2, x2g) - np.minimum(x1, x1g)) * (np.maximum(y2, y2g) - np.minimum(y1, y1g))
    return _finish(dt(1) - (iou - (area_c - union) / (area_c + dt(eps))), reduction)


@np.errstate(all="ignore")
def distance_box_iou_loss(input, target, *, eps: float = 1e-7, reduction: str = "mean"):
    """DIoU loss, torchvision's: 1 - IoU + d^2 / (c^2 + eps).

    d is the distance between the boxes' centers, c the diagonal of the smallest enclosing
    box; IoU = |A n B| / (|A u B| + eps). Zheng et al. 2020, Distance-IoU Loss;
    torchvision.ops.distance_box_iou_loss.

    Args:
        input: predicted boxes (N, 4) or (4,), x1, y1, x2, y2 with x1 <= x2, y1 <= y2.
        target: true boxes, the same shape (the loss is symmetric).
        eps: the small number in the denominators (torchvision's 1e-7).
        reduction: 'mean' (torchvision's default is 'none'), 'sum', 'none' or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    coords = _boxes(input, target)
    return _finish(_diou_iou(coords, coords[0].dtype.type(eps))[0], reduction)


@np.errstate(all="ignore")
def complete_box_iou_loss(input, target, *, eps: float = 1e-7, reduction: str = "mean"):
    """CIoU loss, torchvision's: DIoU loss + alpha v, v = 4 / pi^2 (atan(w_t / h_t) - atan(w_p / h_p))^2.

    alpha = v / (1 - IoU + v + eps). eps enters where torchvision's does: the union, the
    squared diagonal and alpha's denominator, not the aspect ratios (a box of zero height has
    atan(w / 0) = pi / 2). Zheng et al. 2020, Distance-IoU Loss (Complete IoU);
    torchvision.ops.complete_box_iou_loss.

    Args:
        input: predicted boxes (N, 4) or (4,), x1, y1, x2, y2 with x1 <= x2, y1 <= y2.
        target: true boxes, the same shape (the loss is symmetric).
        eps: the small number in the denominators (torchvision's 1e-7).
        reduction: 'mean' (torchvision's default is 'none'), 'sum', 'none' or 'parts'.

    Returns:
        The loss.
    """
    check_reduction(reduction)
    coords = _boxes(input, target)
    x1, y1, x2, y2, x1g, y1g, x2g, y2g = coords
    dt = x1.dtype.type
    diou, iou = _diou_iou(coords, dt(eps))
    v = dt(4 / math.pi**2) * (np.arctan((x2g - x1g) / (y2g - y1g)) - np.arctan((x2 - x1) / (y2 - y1))) ** 2
    alpha = v / (dt(1) - iou + v + dt(eps))
    return _finish(diou + alpha * v, reduction)
