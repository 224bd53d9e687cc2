# COPY: samples to reach 95% against the longest training string — data in sample_efficiency_samples.csv
set datafile separator ','
set title 'COPY: samples to reach 95% against the longest training string'
set xlabel 'longest string L (letters)'
set ylabel 'samples to 95% (examples)'
set key top left box opaque
set grid
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'sample_efficiency_samples.png'
plot 'sample_efficiency_samples.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'mamba d64×1 N16', \
     'sample_efficiency_samples.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'transformer d64×2'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'sample_efficiency_samples.svg'
plot 'sample_efficiency_samples.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title 'mamba d64×1 N16', \
     'sample_efficiency_samples.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'transformer d64×2'
unset output
