// SPDX-License-Identifier: MIT
#include "imageview.h"

#include <QEvent>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QImageWriter>
#include <QLabel>
#include <QMessageBox>
#include <QScrollArea>
#include <QScrollBar>
#include <QShortcut>
#include <QToolButton>
#include <QVBoxLayout>

#include <cmath>

namespace QtPyVenvApp {

namespace {
constexpr qint64 MaximumDisplayedPixels = 64LL * 1024 * 1024; // 256 MB as a pixmap

QToolButton *toolButton(const QString &text, const QString &name, const QString &toolTip, QWidget *parent)
{
    auto *button = new QToolButton(parent);
    button->setText(text);
    button->setObjectName(name);
    button->setToolTip(toolTip);
    button->setAutoRaise(true);
    return button;
}
} // namespace

ImageView::ImageView(QWidget *parent)
    : QWidget(parent)
    , m_scroll(new QScrollArea(this))
    , m_label(new QLabel(this))
    , m_info(new QLabel(this))
{
    m_label->setObjectName(QStringLiteral("imageLabel"));
    m_label->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Ignored);
    m_scroll->setObjectName(QStringLiteral("imageScroll"));
    m_scroll->setBackgroundRole(QPalette::Dark);
    m_scroll->setAlignment(Qt::AlignCenter);
    m_scroll->setWidget(m_label);
    m_scroll->viewport()->installEventFilter(this);
    m_info->setObjectName(QStringLiteral("imageInfo"));
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    createToolBar();
    layout->addWidget(m_scroll, 1);
}

void ImageView::createToolBar()
{
    m_fitButton = toolButton(tr("Fit"), QStringLiteral("imageFit"), tr("Fit to the window"), this);
    m_fitButton->setCheckable(true);
    m_fitButton->setChecked(m_fit);
    auto *in = toolButton(tr("Zoom in"), QStringLiteral("imageZoomIn"), tr("Zoom in (Ctrl++)"), this);
    auto *out = toolButton(tr("Zoom out"), QStringLiteral("imageZoomOut"), tr("Zoom out (Ctrl+-)"), this);
    auto *actual = toolButton(tr("100 %"), QStringLiteral("imageActualSize"), tr("Actual size (Ctrl+0)"), this);
    auto *save = toolButton(tr("Save as PNG…"), QStringLiteral("imageSave"), tr("Save the image as a PNG file"), this);
    connect(m_fitButton, &QToolButton::toggled, this, &ImageView::setFitToWindow);
    connect(in, &QToolButton::clicked, this, &ImageView::zoomIn);
    connect(out, &QToolButton::clicked, this, &ImageView::zoomOut);
    connect(actual, &QToolButton::clicked, this, &ImageView::zoomToActualSize);
    connect(save, &QToolButton::clicked, this, &ImageView::saveAs);
    const std::pair<QKeySequence, void (ImageView::*)()> shortcuts[] = {
        {QKeySequence::ZoomIn, &ImageView::zoomIn},
        {QKeySequence::ZoomOut, &ImageView::zoomOut},
        {QKeySequence(Qt::CTRL | Qt::Key_0), &ImageView::zoomToActualSize},
    };
    for (const auto &[keys, slot] : shortcuts) {
        auto *shortcut = new QShortcut(keys, this);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, slot);
    }
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(0, 0, 0, 0);
    for (QToolButton *button : {m_fitButton, in, out, actual, save})
        bar->addWidget(button);
    bar->addStretch(1);
    bar->addWidget(m_info);
    static_cast<QVBoxLayout *>(layout())->addLayout(bar);
}

void ImageView::setImage(const QImage &image)
{
    m_image = image;
    if (m_fit)
        m_scale = fitScale();
    render();
}

QSize ImageView::displayedSize() const
{
    return m_image.isNull() ? QSize() : (QSizeF(m_image.size()) * m_scale).toSize().expandedTo(QSize(1, 1));
}

double ImageView::fitScale() const
{
    if (m_image.isNull())
        return 1.0;
    const QSize area = m_scroll->viewport()->size();
    const double scale = std::min(double(area.width()) / m_image.width(), double(area.height()) / m_image.height());
    return std::clamp(scale, MinimumScale, MaximumScale);
}

void ImageView::setScale(double scale)
{
    scale = std::clamp(scale, MinimumScale, MaximumScale);
    if (!m_image.isNull()) {
        const double pixels = double(m_image.width()) * m_image.height() * scale * scale;
        if (pixels > double(MaximumDisplayedPixels))
            scale = std::sqrt(double(MaximumDisplayedPixels) / (double(m_image.width()) * m_image.height()));
    }
    if (qFuzzyCompare(scale, m_scale))
        return;
    m_scale = scale;
    render();
}

void ImageView::render()
{
    if (m_image.isNull()) {
        m_label->clear();
        m_label->resize(0, 0);
        m_info->clear();
    } else {
        const QSize size = displayedSize();
        const Qt::TransformationMode mode = m_scale >= 1.0 ? Qt::FastTransformation : Qt::SmoothTransformation;
        m_label->setPixmap(QPixmap::fromImage(size == m_image.size() ? m_image : m_image.scaled(size, Qt::IgnoreAspectRatio, mode)));
        m_label->resize(size);
        m_info->setText(tr("%1×%2 px · %3 %").arg(m_image.width()).arg(m_image.height()).arg(qRound(m_scale * 100)));
    }
    Q_EMIT scaleChanged(m_scale);
}

void ImageView::zoomIn()
{
    setFitToWindow(false);
    setScale(m_scale * ZoomStep);
}

void ImageView::zoomOut()
{
    setFitToWindow(false);
    setScale(m_scale / ZoomStep);
}

void ImageView::zoomToActualSize()
{
    setFitToWindow(false);
    setScale(1.0);
}

void ImageView::setFitToWindow(bool fit)
{
    m_fit = fit;
    m_fitButton->setChecked(fit); // no loop: toggled() only fires on a change
    m_scroll->setHorizontalScrollBarPolicy(fit ? Qt::ScrollBarAlwaysOff : Qt::ScrollBarAsNeeded);
    m_scroll->setVerticalScrollBarPolicy(fit ? Qt::ScrollBarAlwaysOff : Qt::ScrollBarAsNeeded);
    if (fit)
        setScale(fitScale());
}

bool ImageView::eventFilter(QObject *watched, QEvent *event)
{
    if (watched == m_scroll->viewport() && event->type() == QEvent::Resize && m_fit)
        setScale(fitScale());
    return QWidget::eventFilter(watched, event);
}

bool ImageView::saveImage(const QString &path, QString *error) const
{
    QImageWriter writer(path, "png");
    if (writer.write(m_image))
        return true;
    if (error)
        *error = writer.errorString();
    return false;
}

void ImageView::saveAs()
{
    if (m_image.isNull())
        return;
    QString path = QFileDialog::getSaveFileName(this, tr("Save Image"), QStringLiteral("result.png"), tr("PNG images (*.png)"));
    if (path.isEmpty())
        return;
    if (!path.endsWith(QLatin1String(".png"), Qt::CaseInsensitive))
        path += QStringLiteral(".png");
    if (QString error; !saveImage(path, &error))
        QMessageBox::warning(this, tr("Save Image"), tr("Cannot save %1: %2").arg(path, error));
}

} // namespace QtPyVenvApp
