#!/usr/bin/env python3
"""Headstart's trained model in PyTorch: predict what Headstart predicts, then go on training.

    python3 headstart_torch.py predict model.npz photo.jpg [more.jpg ...] [--json]
    torchrun --nproc_per_node=2 headstart_torch.py train model.npz dataset.zip [--epochs 5] [--out trained.npz]

model.npz is Headstart's "Continue in PyTorch" export: torchvision's mobilenet_v2(width_mult=1.4) with
batch norm folded into the convolutions' biases (so batch norm is an identity here), TensorFlow's "same"
padding (the odd extra row/column at the bottom/right), and Headstart's head (Linear, ReLU, Linear).
headstart.json inside it says how an image becomes the input. dataset.zip is Headstart's "Export
dataset" zip (one folder per class, torchvision's ImageFolder layout), or such a folder.

`train` runs as it is on one CPU or GPU, and under torchrun with DistributedDataParallel on several
processes or machines (gloo on CPU, nccl with CUDA). It saves the weights in the same .npz format, so
`predict` and Headstart's documentation apply to them too. Needs torch and torchvision (with numpy and
Pillow): pip install torch torchvision, or apt-get install python3-torch python3-torchvision.
"""
import argparse
import io
import json
import os
import re
import sys
import tempfile
import time
import zipfile

import numpy as np
import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image, ImageOps
from torchvision.datasets import ImageFolder
from torchvision.models import mobilenet_v2

RESAMPLE = getattr(Image, "Resampling", Image).BICUBIC
IMAGE_FILES = (".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff")


class SameConv2d(nn.Conv2d):
    """A convolution padded as TensorFlow's "same": when the padding is odd, the extra row/column goes after."""

    def forward(self, x):
        pad = []
        for size, k, s in zip(x.shape[:1:-1], self.kernel_size[::-1], self.stride[::-1]):  # W, then H (F.pad's order)
            total = max((-(-size // s) - 1) * s + k - size, 0)
            pad += [total // 2, total - total // 2]
        return F.conv2d(F.pad(x, pad) if any(pad) else x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def as_tensorflow(module):
    """Every convolution → SameConv2d with a bias; every batch norm → identity (it is folded into the bias)."""
    for name, child in module.named_children():
        if isinstance(child, nn.Conv2d):
            setattr(module, name, SameConv2d(child.in_channels, child.out_channels, child.kernel_size, child.stride, groups=child.groups))
        elif isinstance(child, nn.BatchNorm2d):
            setattr(module, name, nn.Identity())
        else:
            as_tensorflow(child)


class HeadstartNet(nn.Module):
    def __init__(self, network):
        super().__init__()
        if network.get("format") != "headstart-torch" or network.get("architecture") != "mobilenet_v2":
            raise ValueError(f"not a Headstart PyTorch export: {network}")
        self.input_affine = nn.Conv2d(3, 3, 1, groups=3)  # x·a + b per channel, what the backbone expects
        self.features = mobilenet_v2(width_mult=network["widthMult"]).features
        as_tensorflow(self.features)
        sizes = network["head"]
        layers = []
        for i in range(len(sizes) - 1):
            layers += [nn.ReLU()] if i else []
            layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        self.classifier = nn.Sequential(*layers)
        self.test_time_flip = network["testTimeFlip"]

    def forward(self, x):
        """Logits, for training."""
        return self.classifier(self.features(self.input_affine(x)).mean((2, 3)))

    @torch.no_grad()
    def probabilities(self, x):
        """What Headstart answers: softmax, averaged with the mirrored image's when the export says so."""
        p = self(x).softmax(1)
        return (p + self(x.flip(3)).softmax(1)) / 2 if self.test_time_flip else p


def load(path):
    try:
        with zipfile.ZipFile(path) as z:
            statement = json.loads(z.read("headstart.json"))
            network = json.loads(z.read("network.json"))
            state = {n[:-4]: torch.from_numpy(np.lib.format.read_array(io.BytesIO(z.read(n)))) for n in z.namelist() if n.endswith(".npy")}
        if statement.get("layout") != "NCHW" or not all(isinstance(l, str) for l in statement.get("labels", [None])):
            raise ValueError(f"headstart.json is not an NCHW statement with class names: {statement}")
        model = HeadstartNet(network)
        model.load_state_dict(state)  # strict: every name and shape must match
    except (OSError, KeyError, ValueError, RuntimeError, zipfile.BadZipFile) as error:
        raise SystemExit(f"{path}: not a Headstart PyTorch export ({error})")
    return model, statement, network


def save(path, model, statement, network):
    part = path + ".part"
    with zipfile.ZipFile(part, "w") as z:
        z.writestr("headstart.json", json.dumps(statement, indent=2))
        z.writestr("network.json", json.dumps(network, indent=2))
        for name, value in model.state_dict().items():
            buffer = io.BytesIO()
            np.save(buffer, value.detach().cpu().numpy().astype("<f4"))
            z.writestr(name + ".npy", buffer.getvalue())
    os.replace(part, path)


def prepare(path, statement):
    """The image as headstart.json states it: RGB 0–255, transparent on white, fitted to size × size, × scale + offset."""
    size = statement["size"]
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened).convert("RGBA")
    w, h = image.size
    if statement["fit"] == "cover":  # the centred square, scaled to size
        side = min(w, h)
        image = image.crop(((w - side) // 2, (h - side) // 2, (w - side) // 2 + side, (h - side) // 2 + side))
        if side != size:
            image = image.resize((size, size), RESAMPLE)
    else:  # "contain": the whole image, centred on a transparent square
        scale = size / max(w, h)
        fitted = image.resize((max(1, round(w * scale)), max(1, round(h * scale))), RESAMPLE)
        image = Image.new("RGBA", (size, size), (255, 255, 255, 0))
        image.paste(fitted, ((size - fitted.width) // 2, (size - fitted.height) // 2))
    rgba = np.asarray(image, dtype=np.float32)
    alpha = rgba[..., 3:] / 255
    rgb = rgba[..., :3] * alpha + 255 * (1 - alpha)
    return torch.from_numpy(rgb * statement["scale"] + statement["offset"]).permute(2, 0, 1).contiguous()


def predict(args):
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    model, statement, _ = load(args.model)
    model.eval().to(args.device)
    labels, results, failed = statement["labels"], [], False
    for path in args.images:
        try:
            x = prepare(path, statement)
        except (OSError, ValueError) as error:
            print(f"{path}: not a readable image ({error})", file=sys.stderr)
            failed = True
            continue
        p = model.probabilities(x[None].to(args.device))[0].cpu().tolist()
        best = max(range(len(p)), key=p.__getitem__)
        results.append({"image": path, "label": labels[best], "probabilities": p})
        if not args.json:
            others = ", ".join(f"{labels[i]} {p[i]:.4f}" for i in sorted(range(len(p)), key=lambda i: -p[i])[1:])
            print(f"{path}: {labels[best]} {p[best]:.4f}" + (f"  ({others})" if others else ""))
    if args.json:
        print(json.dumps({"labels": labels, "predictions": results}))
    return 1 if failed else 0


def safe_name(name):
    """The folder name Headstart's dataset zip gives a class."""
    cleaned = re.sub(r'^[.\s]+|[.\s]+$', "", re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", name))
    return cleaned[:120] if cleaned else "_"


def dataset(root, statement, transform=None):
    """ImageFolder over the class folders, each folder's images labelled with the model's class of that name."""
    entries = [e for e in os.listdir(root) if e != "__MACOSX" and not e.startswith(".")]
    if len(entries) == 1 and os.path.isdir(os.path.join(root, entries[0])):
        inner = os.path.join(root, entries[0])
        if all(os.path.isdir(os.path.join(inner, e)) for e in os.listdir(inner) if not e.startswith(".")):
            root = inner  # one folder holding the class folders
    valid = lambda p: p.lower().endswith(IMAGE_FILES) and not os.path.basename(p).startswith(".") and "__MACOSX" not in p
    try:
        data = ImageFolder(root, loader=lambda p: prepare(p, statement), transform=transform, is_valid_file=valid)
    except FileNotFoundError as error:
        raise SystemExit(f"{root}: {error}")
    labels = statement["labels"]
    index = {**{safe_name(l): i for i, l in reversed(list(enumerate(labels)))}, **{l: i for i, l in reversed(list(enumerate(labels)))}}
    unknown = [c for c in data.classes if c not in index]
    if unknown:
        raise SystemExit(f"{root}: the class folders {unknown} are not classes of this model ({labels})")
    to_label = [index[c] for c in data.classes]
    data.target_transform = to_label.__getitem__
    return data


def mirror_half(x):
    """Each image or its mirror, as Headstart trains."""
    return x.flip(2) if torch.rand(()) < 0.5 else x


def train(args):
    distributed = "WORLD_SIZE" in os.environ
    cuda = torch.cuda.is_available() and args.device != "cpu"
    if distributed:
        dist.init_process_group("nccl" if cuda else "gloo")
    rank, world = (dist.get_rank(), dist.get_world_size()) if distributed else (0, 1)
    local = int(os.environ.get("LOCAL_RANK", 0))
    device = torch.device(f"cuda:{local}" if cuda else "cpu")
    torch.manual_seed(args.seed + rank)

    def log(event, text, **values):
        if rank == 0:
            print(json.dumps({"event": event, **values}) if args.json else text, flush=True)

    model, statement, network = load(args.model)
    model.to(device)
    if not os.path.exists(args.data):
        raise SystemExit(f"{args.data}: no such dataset zip or folder")
    with tempfile.TemporaryDirectory() as unpacked:
        root = args.data
        if zipfile.is_zipfile(args.data):
            with zipfile.ZipFile(args.data) as z:
                z.extractall(unpacked)  # zipfile keeps every entry inside the folder
            root = unpacked
        data = dataset(root, statement, transform=mirror_half)
        plain = dataset(root, statement)
        counts = torch.bincount(torch.tensor([plain.target_transform(t) for t in plain.targets]), minlength=len(statement["labels"])).float()
        # Class-weighted as Headstart trains: n / (k · class size), so small classes count.
        weights = torch.where(counts > 0, counts.sum() / ((counts > 0).sum() * counts.clamp(min=1)), torch.zeros(()))
        loss_of = nn.CrossEntropyLoss(weight=weights.to(device))

        model.input_affine.requires_grad_(False)
        if args.freeze_backbone:
            model.features.requires_grad_(False)
        groups = [{"params": model.classifier.parameters(), "lr": args.lr}]
        if not args.freeze_backbone:
            groups.append({"params": model.features.parameters(), "lr": args.lr / 10})
        optimizer = torch.optim.Adam(groups)
        net = nn.parallel.DistributedDataParallel(model, device_ids=[local] if cuda else None) if distributed else model
        sampler = torch.utils.data.distributed.DistributedSampler(data, world, rank, shuffle=True, seed=args.seed) if distributed else None
        loader = torch.utils.data.DataLoader(data, args.batch_size, shuffle=sampler is None, sampler=sampler, num_workers=args.workers)
        mine = torch.utils.data.Subset(plain, range(rank, len(plain), world))  # this process's share, none twice
        evaluated = torch.utils.data.DataLoader(mine, args.batch_size, num_workers=args.workers)

        def total(*values):
            t = torch.tensor(values, dtype=torch.float64, device=device)
            if distributed:
                dist.all_reduce(t)
            return t.tolist()

        def evaluate(epoch):
            """Loss and accuracy of Headstart's answer over every image of the dataset."""
            model.eval()
            loss = right = 0.0
            for x, y in evaluated:
                p = model.probabilities(x.to(device))
                loss += -p.gather(1, y.to(device)[:, None]).clamp(min=1e-12).log().sum().item()
                right += (p.argmax(1).cpu() == y).sum().item()
            loss, right, n = total(loss, right, len(mine))
            log("eval", f"epoch {epoch}: loss {loss / n:.4f} over {int(n)} images, accuracy {right / n:.3f}", epoch=epoch, loss=loss / n, accuracy=right / n, images=int(n))

        log("start", f"{len(data)} images in {len(data.classes)} classes, {world} process(es) on {device.type}", images=len(data), processes=world, device=device.type)
        if args.eval:
            evaluate(0)
        for epoch in range(1, args.epochs + 1):
            if sampler:
                sampler.set_epoch(epoch)
            model.train()
            started, summed, seen = time.perf_counter(), 0.0, 0.0
            for step, (x, y) in enumerate(loader, 1):
                x, y = x.to(device), y.to(device)
                loss = loss_of(net(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                summed, seen = summed + loss.item() * len(y), seen + len(y)
                log("step", f"epoch {epoch} step {step}/{len(loader)}: loss {loss.item():.4f}", epoch=epoch, step=step, steps=len(loader), loss=loss.item())
            summed, seen = total(summed, seen)
            seconds = time.perf_counter() - started
            log("epoch", f"epoch {epoch}: training loss {summed / seen:.4f} ({seconds:.1f} s)", epoch=epoch, loss=summed / seen, seconds=seconds)
            if rank == 0:
                save(args.out, model, statement, network)
                log("saved", f"saved {args.out}", path=args.out)
            if args.eval:
                evaluate(epoch)
    if distributed:
        dist.destroy_process_group()
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("predict", help="classify images as Headstart does")
    p.add_argument("model")
    p.add_argument("images", nargs="+")
    p.add_argument("--json", action="store_true", help="one JSON object: labels and each image's probabilities")
    p.add_argument("--device", default="cpu")
    t = commands.add_parser("train", help="go on training on a dataset zip or folder (one folder per class)")
    t.add_argument("model")
    t.add_argument("data")
    t.add_argument("--epochs", type=int, default=1)
    t.add_argument("--batch-size", type=int, default=16, help="per process")
    t.add_argument("--lr", type=float, default=1e-3, help="the head's Adam learning rate; the backbone learns at a tenth of it")
    t.add_argument("--freeze-backbone", action="store_true", help="train the head only")
    t.add_argument("--eval", action="store_true", help="loss and accuracy over the whole dataset before training and after each epoch")
    t.add_argument("--out", help="where the trained weights go (default: <model>-trained.npz)")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--workers", type=int, default=0, help="data loader processes")
    t.add_argument("--device", default="cuda", help="cuda when available, else cpu; 'cpu' forces it")
    t.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    if args.command == "train":
        args.out = args.out or re.sub(r"(\.npz)?$", "-trained.npz", args.model, count=1)
        return train(args)
    return predict(args)


if __name__ == "__main__":
    sys.exit(main())
