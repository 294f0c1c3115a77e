// SPDX-License-Identifier: MIT
#pragma once

#include <QImage>
#include <QWidget>

class QLabel;
class QScrollArea;
class QToolButton;

namespace QtPyVenvApp {

/*!
 * An image in a scroll area: fit to the window (the default), zoom in and out in steps, 100 %,
 * and Save as PNG. Zoomed-in pixels stay sharp (no smoothing above 100 %).
 */
class ImageView : public QWidget
{
    Q_OBJECT

public:
    static constexpr double ZoomStep = 1.25;
    static constexpr double MinimumScale = 0.05;
    static constexpr double MaximumScale = 32.0;

    explicit ImageView(QWidget *parent = nullptr);

    void setImage(const QImage &image);
    QImage image() const { return m_image; }
    //! Displayed size / image size.
    double scale() const { return m_scale; }
    bool fitToWindow() const { return m_fit; }
    //! The size the image is shown at.
    QSize displayedSize() const;
    //! Writes the image as PNG to \a path; false with \a error set when that fails.
    bool saveImage(const QString &path, QString *error = nullptr) const;

public Q_SLOTS:
    void zoomIn();
    void zoomOut();
    void zoomToActualSize();
    void setFitToWindow(bool fit);
    //! Asks for a file name and saves the image there as PNG.
    void saveAs();

Q_SIGNALS:
    void scaleChanged(double scale);

protected:
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void createToolBar();
    void setScale(double scale);
    double fitScale() const;
    void render();

    QImage m_image;
    double m_scale = 1.0;
    bool m_fit = true;
    QScrollArea *m_scroll;
    QLabel *m_label;
    QLabel *m_info;
    QToolButton *m_fitButton = nullptr;
};

} // namespace QtPyVenvApp
