// The parts of Apache ECharts the HTML report draws (report/chart): line and
// bar series on a grid, the axis tooltip, the scrolling legend, the SVG
// renderer, and the three calls the page makes. build.sh bundles this file.
import { use, init, dispose, getInstanceByDom, version } from 'echarts/core';
import { LineChart, BarChart } from 'echarts/charts';
import { GridComponent, TooltipComponent, LegendScrollComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';
use([LineChart, BarChart, GridComponent, TooltipComponent, LegendScrollComponent, SVGRenderer]);
export { init, dispose, getInstanceByDom, version };
